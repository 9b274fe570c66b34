// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "util/escape.h"

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

size_t lw_escape_json(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!outlen)
		return 0;
	while (*p) {
		char tmp[8];
		size_t n = 0, step = 1;

		switch (*p) {
		case '"': memcpy(tmp, "\\\"", n = 2); break;
		case '\\': memcpy(tmp, "\\\\", n = 2); break;
		case '\n': memcpy(tmp, "\\n", n = 2); break;
		case '\r': memcpy(tmp, "\\r", n = 2); break;
		case '\t': memcpy(tmp, "\\t", n = 2); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				n = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
			} else if (*p < 0x80) {
				tmp[0] = (char)*p;
				n = 1;
			} else if ((step = utf8_len(p))) {
				memcpy(tmp, p, n = step);
			} else {
				memcpy(tmp, "\\ufffd", n = 6);
				step = 1;
			}
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, tmp, n);
		o += n;
		p += step;
	}
	out[o] = '\0';
	return o;
}

size_t lw_escape_prom_label(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char tmp[2];
		size_t n = 1;

		if (*p == '\\' || *p == '"') {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			n = 2;
		} else if (*p == '\n') {
			tmp[0] = '\\';
			tmp[1] = 'n';
			n = 2;
		} else {
			tmp[0] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return o;
}
