#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of a kernel-matrix guest (see matrix.py): runs the BPF load test,
# netsight doctor (plain, with the self-test, and on the fallback paths) and
# every command against known loopback traffic, prints one line
# "NSVM RESULT <name> pass|fail <detail>" per check, then powers off.
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mkdir -p /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# inet_diag before tcp_diag and udp_diag: the list is in dependency order.
for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m"; done
ip link set lo up

say() { echo "NSVM $*"; }
result() {
	if [ "$2" = 0 ]; then say "RESULT $1 pass $3"; else say "RESULT $1 fail $3"; fi
}

say "KERNEL $(uname -r)"

# The BPF load test: every family, both builds, every variant.
bpf_test_load >/tmp/bpf.log 2>&1
rc=$?
sed 's/^/NSVM LOG /' /tmp/bpf.log
result bpf_load "$rc"

# What this kernel gives netsight (exit 0: every command runs).
netsight doctor >/tmp/doctor.txt 2>&1
rc=$?
sed 's/^/NSVM DOCTOR /' /tmp/doctor.txt
result doctor "$rc"

for refuse in "" "iter/"; do
	NETSIGHT_REFUSE=$refuse netsight doctor --self-test >/tmp/self.txt 2>&1
	rc=$?
	sed -n '/Self-test/,$p' /tmp/self.txt | sed 's/^/NSVM LOG /'
	result "self_test${refuse:+_refusing_$refuse}" "$rc"
done

# Starts netsight with "$@" in the background, output in /tmp/run.out.
start() {
	: >/tmp/run.err # before the background shell gets to it, or grep sees the last run's
	netsight "$@" >/tmp/run.out 2>>/tmp/run.err &
	pid=$!
	i=0
	until grep -q tracing /tmp/run.err; do
		sleep 0.1
		i=$((i + 1))
		[ $i -lt 600 ] || break
	done
}

stop() {
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	stopped=$?
	sed 's/^/NSVM LOG /' /tmp/run.err
}

# Events of action $1 on port $2.
count() {
	grep "\"event.action\":\"$1\"" /tmp/run.out | grep -c "\\.port\":$2[,}]"
}

# Sum of the counts of events of action $1 on port $2.
sum() {
	grep "\"event.action\":\"$1\"" /tmp/run.out | grep "\\.port\":$2[,}]" |
		sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }'
}

check() {
	name=$1
	shift
	if [ "$stopped" = 0 ] && [ "$@" ]; then
		result "$name" 0 "($*)"
	else
		sed 's/^/NSVM LOG /' /tmp/run.out
		result "$name" 1 "($*)"
	fi
}

start conns -o json
traffic conns 7001 5 >/dev/null
stop
check conns_connect "$(count connect 7001)" -eq 5
check conns_accept "$(count accept 7001)" -eq 5
check conns_close "$(count close 7001)" -eq 10

start tcp -o json
traffic refused 7002 3 >/dev/null
traffic overflow 7003 4 2 >/dev/null
stop
check tcp_reset_received "$(count reset_received 7002)" -eq 3
check tcp_listen_overflow "$(sum listen_overflow 7003)" -ge 4

start drops -o json
traffic udp 7004 4 >/dev/null
stop
check drops_no_socket "$(grep '"drop.reason":"NO_SOCKET"' /tmp/run.out | grep -c '"destination.port":7004[,}]')" -eq 4

start drops --summary -o json
traffic udp 7005 6 >/dev/null
stop
check drops_summary "$(grep '"drop.reason":"NO_SOCKET"' /tmp/run.out | sed 's/.*"count":\([0-9]*\).*/\1/' | head -n 1)" -ge 6

start tcp --summary -o json
traffic refused 7006 2 >/dev/null
stop
check tcp_summary "$(grep '"destination.port":7006[,}]' /tmp/run.out | grep -c '"tcp.connects_failed":2')" -eq 1

# Histogram rows of metric $1 on port $2: their sample counts, summed.
samples() {
	grep "\"latency.metric\":\"$1\"" /tmp/run.out | grep "\.port\":$2[,}]" |
		sed 's/.*"histogram.count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }'
}

start latency --by port -o json
traffic conns 7007 5 >/dev/null
stop
check latency_connect "$(samples connect 7007)" -eq 5
check latency_rtt "$(samples rtt 7007)" -ge 5
# Response times need sock_send_length (Linux 6.3+); doctor says whether it loaded.
if grep -q 'owner_sock_send_length .* ok' /tmp/doctor.txt; then
	check latency_response "$(samples response 7007)" -eq 5
else
	check latency_response_unavailable "$(samples response 7007)" -eq 0
fi

# Flows on lo: TCX links on kernels that have them, clsact filters before 6.6.
# A datagram leaves (egress) and comes back in (ingress): one of each per packet.
start flows --iface lo -o json
traffic udp 7008 5 >/dev/null
stop
flow_packets() {
	grep "\"network.direction\":\"$1\"" /tmp/run.out | grep '"destination.port":7008[,}]' |
		sed 's/.*"source.packets":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }'
}
check flows_egress "$(flow_packets egress)" -eq 5
check flows_ingress "$(flow_packets ingress)" -eq 5

say DONE
poweroff -f
