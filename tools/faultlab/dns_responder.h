// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately slow DNS server on 127.0.0.1: answers every query with a
 * valid A record, but only after a fixed delay, so a loop thread calling
 * the blocking resolver is stuck in poll/recvfrom for that long.
 */
#ifndef FAULTLAB_DNS_RESPONDER_H
#define FAULTLAB_DNS_RESPONDER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct fl_dns {
	pthread_t thread;
	bool started;
	int fd;
	int port;
	int64_t delay_ns;
	pid_t tid;
	long answered;
	long malformed;
};

int fl_dns_start(struct fl_dns *d, int64_t delay_ns);
/* Call after fl_request_stop(): the thread polls the stop flag. */
void fl_dns_stop(struct fl_dns *d);

#endif
