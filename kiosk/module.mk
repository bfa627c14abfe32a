# loketctl (the store from the command line) and loket-kiosk (SDL2).
LOKETCTL_SRC := $(wildcard kiosk/loketctl*.c)
KIOSK_SRC := $(filter-out $(LOKETCTL_SRC),$(wildcard kiosk/*.c))

PROGRAMS += $(B)/loketctl
$(B)/loketctl: $(LOKETCTL_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Translations: assets/po/<lang>.po -> $(B)/locale/<lang>/LC_MESSAGES/loket.mo
# (the kiosk looks in <dir of the executable>/locale first, then
# $(PREFIX)/share/loket/locale, where `make install-kiosk-locale` puts them).
KIOSK_PO := $(wildcard assets/po/*.po)
KIOSK_MO := $(KIOSK_PO:assets/po/%.po=$(B)/locale/%/LC_MESSAGES/loket.mo)
$(B)/locale/%/LC_MESSAGES/loket.mo: assets/po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check-format -o $@ $<

ifneq ($(KIOSK_SRC),)
PROGRAMS += $(B)/loket-kiosk
$(B)/loket-kiosk: $(KIOSK_SRC:%.c=$(B)/obj/%.o) $(LIBLOKET) | $(KIOSK_MO)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter-out $(KIOSK_MO),$^) $(LIBS)
endif

.PHONY: install-kiosk-locale
install: install-kiosk-locale
install-kiosk-locale: $(KIOSK_MO)
	@for mo in $(KIOSK_MO); do \
		l=$${mo#$(B)/locale/}; l=$${l%%/*}; \
		install -d $(DESTDIR)$(PREFIX)/share/loket/locale/$$l/LC_MESSAGES && \
		install -m 644 $$mo $(DESTDIR)$(PREFIX)/share/loket/locale/$$l/LC_MESSAGES/loket.mo; \
	done

# The unit test of the spoken announcement links the kiosk's speech module
# beside libloket (tests/module.mk's rule links libloket alone).
$(B)/unit/test_speech: $(B)/obj/tests/unit/test_speech.o $(B)/obj/kiosk/speech.o $(LIBLOKET)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS)
