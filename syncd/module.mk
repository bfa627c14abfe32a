# loket-syncd: pushes the outbox to the central office.
SYNCD_SRC := $(wildcard syncd/*.c)
ifneq ($(SYNCD_SRC),)
PROGRAMS += $(B)/loket-syncd
$(B)/loket-syncd: $(SYNCD_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
endif
