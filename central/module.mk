# loket-central: the central office's receiver, store and reports.
CENTRAL_SRC := $(wildcard central/*.c)
ifneq ($(CENTRAL_SRC),)
PROGRAMS += $(B)/loket-central
$(B)/loket-central: $(CENTRAL_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
endif
