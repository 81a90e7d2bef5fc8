// SPDX-License-Identifier: GPL-2.0-only
/* What a scraper's Accept header asks for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/http.h"

#define OM "application/openmetrics-text"
#define TEXT "text/plain"

static void qualities(void **state)
{
	/* Prometheus 2.x */
	const char *prom = OM ";version=1.0.0," OM ";version=0.0.1;q=0.75," TEXT
			      ";version=0.0.4;q=0.5,*/*;q=0.1";

	(void)state;
	assert_true(ns_http_accept_quality(prom, OM) == 1);
	assert_true(ns_http_accept_quality(prom, TEXT) == 0.5);
	assert_true(ns_http_accept_quality(OM ";q=0, " TEXT ";version=0.0.4", OM) == 0);
	assert_true(ns_http_accept_quality(TEXT ";q=0.9, " OM ";q=0.1", OM) == 0.1);
	assert_true(ns_http_accept_quality("text/*;q=0.3", TEXT) == 0.3);
	assert_true(ns_http_accept_quality("*/*", OM) == 1);
	assert_true(ns_http_accept_quality(TEXT, OM) == -1);
	assert_true(ns_http_accept_quality("", OM) == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qualities),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
