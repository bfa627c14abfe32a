/*
 * enrol — sets up a new site box with one code from the central office;
 * see enrol.c.
 */
#ifndef SYNCD_ENROL_H
#define SYNCD_ENROL_H

/* Enrols with the office at url using code, writing cfg_path and the token
 * file. Returns a sysexits status: 0, 77 for a code the office does not
 * take, 75 when it cannot be reached, 78 for a configuration that fails
 * the checks, 73 when a file cannot be written. */
int syncd_enrol(const char *cfg_path, const char *url, const char *code);

#endif
