/* SPDX-License-Identifier: MIT */
/*
 * main.c - the unit test runner: every suite, Check's normal output, and an
 * exit status that says whether anything failed.  CK_FORK=yes (make
 * check-unit) runs each test in its own process; CK_FORK=no runs them in
 * this one (for gdb), CK_RUN_SUITE/CK_RUN_CASE select.
 */
#include <stdlib.h>

#include "harness.h"

int main(void)
{
	SRunner *sr = srunner_create(csum_suite());
	int failed;

	srunner_add_suite(sr, eth_suite());
	srunner_add_suite(sr, arp_suite());
	srunner_add_suite(sr, ip4_suite());
	srunner_add_suite(sr, icmp_suite());
	srunner_add_suite(sr, tcp_suite());
	srunner_add_suite(sr, tcp_data_suite());
	srunner_add_suite(sr, tcp_timer_suite());
	srunner_add_suite(sr, tcp_close_suite());
	srunner_add_suite(sr, trace_suite());
	srunner_add_suite(sr, frag_suite());
	srunner_add_suite(sr, icmp_err_suite());
	srunner_add_suite(sr, fuzz_suite());
	srunner_add_suite(sr, tcp_pair_suite());
	srunner_add_suite(sr, tcp_opts_suite());
	srunner_add_suite(sr, udp_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
