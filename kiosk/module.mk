# loketctl (the store from the command line) and loket-kiosk (SDL2).
LOKETCTL_SRC := $(wildcard kiosk/loketctl*.c)
KIOSK_SRC := $(filter-out $(LOKETCTL_SRC),$(wildcard kiosk/*.c))

PROGRAMS += $(B)/loketctl
$(B)/loketctl: $(LOKETCTL_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

ifneq ($(KIOSK_SRC),)
PROGRAMS += $(B)/loket-kiosk
$(B)/loket-kiosk: $(KIOSK_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
endif
