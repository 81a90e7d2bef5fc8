// SPDX-License-Identifier: GPL-2.0-only
/*
 * Latency histograms (lib/latency.bpf.h): this object only declares the
 * tables. Connect times, response times and RTT samples are taken by the
 * owner family's programs while this family runs (NS_CFG_LATENCY), so a
 * state change, a send or a receive runs one program, not two.
 */
#include "lib/common.bpf.h"
#include "lib/latency.bpf.h"
