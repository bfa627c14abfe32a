# libloket: everything the programs share, as a static library.
LIBLOKET_SRC := $(wildcard shared/*.c)
LIBLOKET_OBJ := $(LIBLOKET_SRC:%.c=$(B)/obj/%.o)
LIBLOKET := $(B)/libloket.a

$(LIBLOKET): $(LIBLOKET_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
