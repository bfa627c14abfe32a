/*
 * profile — see profile.h.
 */
#include "profile.h"

#include <jansson.h>

#ifndef LOKET_VERSION
#define LOKET_VERSION "0"
#endif

/* {"nl": "...", "en": "..."} for labels indexed like cfg->langs. */
static json_t *labels(const config *cfg, const char (*label)[CONFIG_TEXT_LEN])
{
	json_t *o = json_object();
	for (int l = 0; o && l < cfg->nlangs; l++)
		if (json_object_set_new(o, cfg->langs[l], json_string(label[l]))) {
			json_decref(o);
			return NULL;
		}
	return o;
}

char *sync_profile_json(const config *cfg, const char *config_version)
{
	json_t *langs = json_array(), *cats = json_array(), *refs = json_array();
	int bad = !langs || !cats || !refs;
	for (int l = 0; !bad && l < cfg->nlangs; l++)
		bad |= json_array_append_new(langs, json_string(cfg->langs[l]));
	for (int i = 0; !bad && i < cfg->ncategories; i++) {
		const config_category *c = &cfg->categories[i];
		json_t *o = json_pack("{s:s, s:s, s:s*, s:o*}", "id", c->id, "prefix", c->prefix,
				      "icon", c->icon[0] ? c->icon : NULL, "labels",
				      labels(cfg, c->label));
		bad |= !o || json_array_append_new(cats, o);
	}
	for (int i = 0; !bad && i < cfg->nreferrals; i++) {
		const config_referral *r = &cfg->referrals[i];
		json_t *o = json_pack("{s:s, s:o*}", "id", r->id, "labels", labels(cfg, r->label));
		bad |= !o || json_array_append_new(refs, o);
	}
	if (bad) {
		json_decref(langs);
		json_decref(cats);
		json_decref(refs);
		return NULL;
	}
	/* config_version: null while the site runs on its own file */
	json_t *p = json_pack("{s:s, s:o, s:o, s:o, s:s*, s:s}", "name", cfg->site_name, "languages",
			      langs, "categories", cats, "referrals", refs, "config_version",
			      config_version && config_version[0] ? config_version : NULL,
			      "software", LOKET_VERSION);
	if (!p)
		return NULL;
	char *s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(p);
	return s;
}
