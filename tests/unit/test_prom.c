// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/memsweep.h"
#include "views/prom.h"

struct fixture {
	struct lw_proc procs[3];
	struct lw_proc *ptrs[3];
	struct lw_model m;
	struct lw_prom p;
};

static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 3; i++) {
		f->procs[i].pid = 10 + (uint32_t)i;
		f->procs[i].start_time = 700 + (uint64_t)i;
		snprintf(f->procs[i].comm, sizeof(f->procs[i].comm), "srv%d", i);
		f->ptrs[i] = &f->procs[i];
	}
	f->m.procs = f->ptrs;
	f->m.nprocs = 3;
}

static const char *render(struct fixture *f, const struct lw_alerts *a, unsigned int max)
{
	size_t len = 0;
	const char *s = lw_prom_render(&f->p, &f->m, a, max, &len);

	assert_non_null(s);
	assert_int_equal(strlen(s), len);
	return s;
}

/* The value of the sample whose name and labels are exactly `series`. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		if (!strncmp(l, series, n) && l[n] == ' ')
			return strtod(l + n + 1, NULL);
		if (!strchr(l, '\n'))
			break;
	}
	fail_msg("no sample %s", series);
	return -1;
}

static bool has(const char *text, const char *needle)
{
	return strstr(text, needle) != NULL;
}

static void histogram_is_cumulative_with_inf_sum_and_count(void **state)
{
	struct fixture f;
	const char *s;
	const char *lbl = "pid=\"10\",comm=\"srv0\"";
	char series[160];

	(void)state;
	setup(&f);
	f.m.nprocs = 1;
	/* slot 0: [0,2) us, slot 3: [8,16) us, slot 10: [1,2) ms, slot 31: huge */
	f.procs[0].tot.lag_hist[0] = 4;
	f.procs[0].iv.lag_hist[0] = 1;
	f.procs[0].tot.lag_hist[3] = 2;
	f.procs[0].iv.lag_hist[10] = 1;
	f.procs[0].tot.lag_hist[31] = 1;
	f.procs[0].tot.lag_sum_s = 1.5;
	s = render(&f, NULL, 500);

	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_bucket{%s,le=\"0.000008\"}", lbl);
	assert_true(sample(s, series) == 5);
	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_bucket{%s,le=\"0.000032\"}", lbl);
	assert_true(sample(s, series) == 7);
	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_bucket{%s,le=\"0.002048\"}", lbl);
	assert_true(sample(s, series) == 8);
	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_bucket{%s,le=\"33.554432\"}", lbl);
	assert_true(sample(s, series) == 8);
	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_bucket{%s,le=\"+Inf\"}", lbl);
	assert_true(sample(s, series) == 9);
	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_count{%s}", lbl);
	assert_true(sample(s, series) == 9);
	snprintf(series, sizeof(series), "loopwatch_loop_lag_seconds_sum{%s}", lbl);
	assert_true(sample(s, series) == 1.5);

	/* every bucket line in order, never decreasing */
	{
		double last = -1;
		int buckets = 0;

		for (const char *l = strstr(s, "loopwatch_loop_lag_seconds_bucket"); l;
		     l = strstr(l + 1, "loopwatch_loop_lag_seconds_bucket")) {
			double v = strtod(strchr(l, '}') + 2, NULL);

			assert_true(v >= last);
			last = v;
			buckets++;
		}
		assert_int_equal(buckets, 13);
	}
	lw_prom_free(&f.p);
}

static void every_family_has_help_and_type_before_its_samples(void **state)
{
	static const char *const want[] = {
		"loopwatch_loop_lag_seconds histogram", "loopwatch_loop_stalls_total counter",
		"loopwatch_wakeups_total counter", "loopwatch_futile_wakeups_total counter",
		"loopwatch_herd_events_total counter", "loopwatch_undrained_et_total counter",
		"loopwatch_socket_queue_ratio gauge", "loopwatch_socket_drops_total counter",
		"loopwatch_tcp_retransmits_total counter", "loopwatch_alert_active gauge",
		"loopwatch_events_lost_total counter",
	};
	struct fixture f;
	char *copy, *save = NULL, typed[64][64];
	int ntyped = 0;
	const char *s;

	(void)state;
	setup(&f);
	s = render(&f, NULL, 500);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char line[128];

		snprintf(line, sizeof(line), "# TYPE %s\n", want[i]);
		assert_true(has(s, line));
	}
	copy = strdup(s);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		size_t n;
		bool found = false;

		if (!strncmp(l, "# HELP ", 7)) {
			char next[80];

			/* TYPE follows HELP for the same name */
			sscanf(l + 7, "%63s", name);
			snprintf(next, sizeof(next), "# TYPE %s ", name);
			assert_int_equal(strncmp(l + strlen(l) + 1, next, strlen(next)), 0);
			continue;
		}
		if (!strncmp(l, "# TYPE ", 7)) {
			sscanf(l + 7, "%63s", typed[ntyped]);
			for (int i = 0; i < ntyped; i++)
				assert_string_not_equal(typed[i], typed[ntyped]);
			ntyped++;
			continue;
		}
		n = strcspn(l, "{ ");
		assert_true(n < sizeof(name));
		memcpy(name, l, n);
		name[n] = '\0';
		assert_int_equal(strncmp(name, "loopwatch_", 10), 0);
		for (int i = 0; i < ntyped && !found; i++) {
			size_t t = strlen(typed[i]);

			found = !strcmp(name, typed[i]) ||
				(!strncmp(name, typed[i], t) &&
				 (!strcmp(name + t, "_bucket") || !strcmp(name + t, "_sum") ||
				  !strcmp(name + t, "_count")));
		}
		assert_true(found);
	}
	free(copy);
	lw_prom_free(&f.p);
}

static void labels_are_escaped(void **state)
{
	struct fixture f;
	const char *s;

	(void)state;
	setup(&f);
	f.m.nprocs = 1;
	strcpy(f.procs[0].comm, "a\"b\\c\nd\te");
	s = render(&f, NULL, 500);
	assert_true(has(s, "loopwatch_wakeups_total{pid=\"10\",comm=\"a\\\"b\\\\c\\nd?e\"} 0\n"));
	lw_prom_free(&f.p);
}

/* The agent's own cost and the detections' states, once they are set. */
static void agent_cost_and_detections(void **state)
{
	struct fixture f;
	const char *s;

	(void)state;
	setup(&f);
	s = render(&f, NULL, 10);
	assert_false(has(s, "loopwatch_agent_cpu_seconds_total"));
	assert_false(has(s, "loopwatch_detection_enabled"));
	f.p.agent_cpu_s = 1.25;
	f.p.agent_rss_bytes = 6 << 20;
	f.p.agent_set = true;
	f.p.det.det[LW_DET_HERD].state = LW_DET_ON;
	f.p.det.det[LW_DET_DROPS].state = LW_DET_DEGRADED;
	f.p.det_set = true;
	s = render(&f, NULL, 10);
	assert_true(sample(s, "loopwatch_agent_cpu_seconds_total") == 1.25);
	assert_true(sample(s, "loopwatch_agent_resident_memory_bytes") == 6 << 20);
	assert_true(sample(s, "loopwatch_detection_enabled{detection=\"herd\"}") == 1);
	assert_true(sample(s, "loopwatch_detection_enabled{detection=\"drops\"}") == 1);
	assert_true(sample(s, "loopwatch_detection_degraded{detection=\"drops\"}") == 1);
	assert_true(sample(s, "loopwatch_detection_enabled{detection=\"fd_headroom\"}") == 0);
	assert_false(has(s, "loopwatch_detail_engaged"));
	f.p.detail_set = true;
	f.p.detail_engaged = true;
	f.p.detail_s = 12.5;
	s = render(&f, NULL, 10);
	assert_true(sample(s, "loopwatch_detail_engaged") == 1);
	assert_true(sample(s, "loopwatch_detail_seconds_total") == 12.5);
	f.p.detail_engaged = false;
	s = render(&f, NULL, 10);
	assert_true(sample(s, "loopwatch_detail_engaged") == 0);
	lw_prom_free(&f.p);
}

static void counters_add_the_interval_to_the_totals(void **state)
{
	struct fixture f;
	struct lw_alerts a;
	struct lw_alert_cfg cfg;
	const char *s;

	(void)state;
	setup(&f);
	f.m.nprocs = 1;
	f.procs[0].tot.stalls_by_cause[LW_CAUSE_BLOCKED] = 3;
	f.procs[0].iv.stalls_by_cause[LW_CAUSE_BLOCKED] = 2;
	f.procs[0].tot.retransmits = 7;
	f.procs[0].iv.retransmits = 1;
	f.procs[0].iv.rcvq_max_ratio = 0.25;
	f.procs[0].iv.lag_max_ns = 120000000;
	f.procs[0].iv.open_stall_ns = 2500000000ull;
	f.m.lost_total = 4;
	f.m.lost_events = 1;
	lw_alert_cfg_defaults(&cfg, NULL);
	cfg.sustain = 1;
	lw_alerts_init(&a, &cfg);
	lw_alerts_evaluate(&a, &f.m, NULL, NULL);
	s = render(&f, &a, 500);
	assert_true(sample(s, "loopwatch_loop_stalls_total{pid=\"10\",comm=\"srv0\",cause=\"blocked\"}") == 5);
	assert_true(sample(s, "loopwatch_loop_stalls_total{pid=\"10\",comm=\"srv0\",cause=\"cpu\"}") == 0);
	assert_true(sample(s, "loopwatch_tcp_retransmits_total{pid=\"10\",comm=\"srv0\"}") == 8);
	assert_true(sample(s, "loopwatch_socket_queue_ratio{pid=\"10\",comm=\"srv0\",queue=\"rcv\"}") == 0.25);
	assert_true(sample(s, "loopwatch_loop_lag_max_seconds{pid=\"10\",comm=\"srv0\"}") == 0.12);
	assert_true(sample(s, "loopwatch_loop_stall_in_progress_seconds{pid=\"10\",comm=\"srv0\"}") == 2.5);
	assert_true(sample(s, "loopwatch_alert_active{pid=\"10\",comm=\"srv0\",rule=\"loop_lag\"}") == 1);
	assert_true(sample(s, "loopwatch_alert_active{pid=\"10\",comm=\"srv0\",rule=\"herd\"}") == 0);
	assert_true(sample(s, "loopwatch_alerts_firing") == 1);
	assert_true(sample(s, "loopwatch_events_lost_total") == 5);
	lw_alerts_free(&a);
	lw_prom_free(&f.p);
}

static void series_cap_keeps_alerting_then_known_processes(void **state)
{
	struct fixture f;
	struct lw_alerts a;
	struct lw_alert_cfg cfg;
	const char *s;

	(void)state;
	setup(&f);
	/* first render: by lag, 12 then 11 */
	f.procs[1].iv.lag_max_ns = 2000;
	f.procs[2].iv.lag_max_ns = 3000;
	s = render(&f, NULL, 2);
	assert_false(has(s, "pid=\"10\""));
	assert_true(has(s, "pid=\"11\"") && has(s, "pid=\"12\""));
	assert_true(sample(s, "loopwatch_processes_not_exported") == 1);
	/* 10 now lags most, but the exported ones keep their places ... */
	f.procs[0].iv.lag_max_ns = 9000;
	s = render(&f, NULL, 2);
	assert_false(has(s, "pid=\"10\""));
	/* ... unless it has an alert firing */
	lw_alert_cfg_defaults(&cfg, NULL);
	cfg.sustain = 1;
	lw_alerts_init(&a, &cfg);
	f.procs[0].iv.lag_max_ns = 90000000;
	lw_alerts_evaluate(&a, &f.m, NULL, NULL);
	s = render(&f, &a, 2);
	assert_true(has(s, "pid=\"10\""));
	assert_true(has(s, "pid=\"11\"") != has(s, "pid=\"12\""));
	lw_alerts_free(&a);
	lw_prom_free(&f.p);
}

static void exited_processes_disappear(void **state)
{
	struct fixture f;
	const char *s;

	(void)state;
	setup(&f);
	s = render(&f, NULL, 500);
	assert_true(has(s, "pid=\"11\""));
	f.ptrs[1] = &f.procs[2];
	f.m.nprocs = 2;
	s = render(&f, NULL, 500);
	assert_false(has(s, "pid=\"11\""));
	assert_true(has(s, "pid=\"12\""));
	lw_prom_free(&f.p);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void writer_is_atomic_0644_and_never_follows_symlinks(void **state)
{
	char dir[] = "/tmp/lw-prom-test.XXXXXX", path[256], victim[256], tmp[256], buf[64];
	struct stat st;
	mode_t old;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/loopwatch.prom", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(tmp, sizeof(tmp), "%s/.loopwatch.prom.tmp.%d", dir, (int)getpid());

	old = umask(077);
	assert_int_equal(lw_prom_write(path, "a 1\n", 4), 0);
	umask(old);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(count_entries(dir), 1);

	/* a symlink at the target is replaced; what it points to is untouched */
	fd = open(victim, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	unlink(path);
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(lw_prom_write(path, "b 2\n", 4), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	fd = open(victim, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_memory_equal(buf, "keep", 4);

	/* a symlink planted at the temporary name is not written through */
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(lw_prom_write(path, "c 3\n", 4), 0);
	fd = open(victim, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_memory_equal(buf, "keep", 4);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	assert_memory_equal(buf, "c 3\n", 4);
	assert_int_equal(count_entries(dir), 2);

	/* failure leaves nothing behind */
	snprintf(tmp, sizeof(tmp), "%s/missing/x.prom", dir);
	assert_int_equal(lw_prom_write(tmp, "d 4\n", 4), -ENOENT);
	assert_int_equal(count_entries(dir), 2);

	unlink(path);
	unlink(victim);
	rmdir(dir);
}

/* RSS and its slope per process; each memory cgroup once, however many
 * processes it binds, with the cgroup's own counts; no limit series for a
 * cgroup without one; an exited process has no RSS series. */
static void memory_per_process_and_per_cgroup(void **state)
{
	struct lw_memcg_entry svc = { .id = { .v = LW_CG_V2, .path = "/svc\"x" }, .ok = true,
				      .now = { .usage = 1 << 20, .limit = 1 << 26, .oom_kills = 2,
					       .limit_hits = 40 },
				      .oom_kills = 1 };
	struct lw_memcg_entry top = { .id = { .v = LW_CG_V2, .path = "/" }, .ok = true,
				      .now = { .usage = 1 << 30 } };
	struct fixture f;
	const char *s;

	(void)state;
	setup(&f);
	for (int i = 0; i < 3; i++) {
		f.procs[i].iv.rss_known = i < 2;
		f.procs[i].iv.rss_kb = 1000 * (uint64_t)(i + 1);
		f.procs[i].iv.rss_growth_kb_per_s = 0.5;
		f.procs[i].iv.memcg = i < 2 ? &svc : &top;
	}
	s = render(&f, NULL, 500);
	assert_true(sample(s, "loopwatch_resident_memory_bytes{pid=\"11\",comm=\"srv1\"}") == 2048000);
	assert_true(sample(s, "loopwatch_resident_memory_growth_bytes_per_second{pid=\"10\",comm=\"srv0\"}") == 512);
	assert_false(has(s, "loopwatch_resident_memory_bytes{pid=\"12\""));
	assert_true(sample(s, "loopwatch_process_memcg_info{pid=\"12\",comm=\"srv2\",memcg=\"/\"}") == 1);
	assert_true(sample(s, "loopwatch_memcg_usage_bytes{memcg=\"/svc\\\"x\"}") == 1 << 20);
	assert_true(sample(s, "loopwatch_memcg_limit_bytes{memcg=\"/svc\\\"x\"}") == 1 << 26);
	assert_false(has(s, "loopwatch_memcg_limit_bytes{memcg=\"/\"}"));
	assert_true(sample(s, "loopwatch_memcg_oom_kills_total{memcg=\"/svc\\\"x\"}") == 2);
	assert_true(sample(s, "loopwatch_memcg_limit_hits_total{memcg=\"/svc\\\"x\"}") == 40);
	assert_true(sample(s, "loopwatch_memcg_oom_kills_total{memcg=\"/\"}") == 0);
	{
		const char *first = strstr(s, "loopwatch_memcg_usage_bytes{memcg=\"/svc");

		assert_non_null(first);
		assert_null(strstr(first + 1, "loopwatch_memcg_usage_bytes{memcg=\"/svc"));
	}
	lw_prom_free(&f.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(histogram_is_cumulative_with_inf_sum_and_count),
		cmocka_unit_test(every_family_has_help_and_type_before_its_samples),
		cmocka_unit_test(labels_are_escaped),
		cmocka_unit_test(counters_add_the_interval_to_the_totals),
		cmocka_unit_test(agent_cost_and_detections),
		cmocka_unit_test(memory_per_process_and_per_cgroup),
		cmocka_unit_test(series_cap_keeps_alerting_then_known_processes),
		cmocka_unit_test(exited_processes_disappear),
		cmocka_unit_test(writer_is_atomic_0644_and_never_follows_symlinks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
