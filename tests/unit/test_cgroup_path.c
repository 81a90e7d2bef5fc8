// SPDX-License-Identifier: GPL-2.0-only
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/cgroup_path.h"

/* Two container ids and a pod uid as the runtimes and the kubelet print them. */
#define ID "2db51a19c5fc8edbf8119fe5cee05f6716012873e4cd24a7d2f8e4692fcce5f4"
#define ID2 "8d5576bdbf6bec345018a637b28ecba16d1acbf168ae92eaad9f383c99ccb2ca"
#define UID "7d1c0127-bc59-4926-a8cd-1fddb28473a6"
/* The same uid in a systemd slice name, where '-' separates parent slices. */
#define UID_ "7d1c0127_bc59_4926_a8cd_1fddb28473a6"

#define NONE NS_RUNTIME_NONE

/* Parses @path into a struct full of garbage and checks every field. */
static void expect(const char *path, const char *ctr, enum ns_container_runtime rt, const char *pod,
		   const char *service)
{
	struct ns_cgroup_identity id;

	memset(&id, 0xa5, sizeof(id));
	assert_int_equal(ns_cgroup_identity_parse(path, &id), 0);
	if (strcmp(id.container_id, ctr) || id.runtime != rt || strcmp(id.pod_uid, pod) ||
	    strcmp(id.service_name, service))
		print_error("path '%s'\n", path);
	assert_string_equal(id.container_id, ctr);
	assert_int_equal(id.runtime, rt);
	assert_string_equal(id.pod_uid, pod);
	assert_string_equal(id.service_name, service);
}

static void expect_nothing(const char *path)
{
	expect(path, "", NONE, "", "");
}

static void docker_systemd(void **state)
{
	(void)state;
	expect("/system.slice/docker-" ID ".scope", ID, NS_RUNTIME_DOCKER, "", "");
}

static void docker_cgroupfs(void **state)
{
	(void)state;
	expect("/docker/" ID, ID, NS_RUNTIME_DOCKER, "", "");
	/* Docker in Docker: the inner daemon's container is the innermost. */
	expect("/docker/" ID "/docker/" ID2, ID2, NS_RUNTIME_DOCKER, "", "");
}

static void containerd_kubepods_systemd(void **state)
{
	(void)state;
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID ".scope",
	       ID, NS_RUNTIME_CONTAINERD, UID, "");
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	       ".slice/cri-containerd-" ID ".scope",
	       ID, NS_RUNTIME_CONTAINERD, UID, "");
}

static void crio_kubepods_systemd(void **state)
{
	(void)state;
	/* Guaranteed QoS: no QoS level slice. */
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope", ID, NS_RUNTIME_CRIO,
	       UID, "");
	/* conmon watches the container from beside it; it is in the pod, not the container. */
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope", "", NONE, UID,
	       "");
}

static void crio_kubepods_cgroupfs(void **state)
{
	(void)state;
	expect("/kubepods/burstable/pod" UID "/crio-" ID, ID, NS_RUNTIME_CRIO, UID, "");
	expect("/kubepods/burstable/pod" UID "/crio-conmon-" ID, "", NONE, UID, "");
}

static void podman_systemd(void **state)
{
	(void)state;
	expect("/machine.slice/libpod-" ID ".scope", ID, NS_RUNTIME_PODMAN, "", "");
	/* Podman 4 moves the payload into a child so the scope can hold subtrees. */
	expect("/machine.slice/libpod-" ID ".scope/container", ID, NS_RUNTIME_PODMAN, "", "");
	expect_nothing("/machine.slice/libpod-conmon-" ID ".scope");
}

static void podman_cgroupfs(void **state)
{
	(void)state;
	expect("/libpod_parent/libpod-" ID, ID, NS_RUNTIME_PODMAN, "", "");
	expect_nothing("/libpod_parent/libpod-conmon-" ID);
}

static void podman_rootless(void **state)
{
	(void)state;
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID
	       ".scope/container",
	       ID, NS_RUNTIME_PODMAN, "", "user@1000");
}

static void kubepods_cgroupfs(void **state)
{
	(void)state;
	/* The CRI plugin names the container by its bare id: runtime unknown. */
	expect("/kubepods/burstable/pod" UID "/" ID, ID, NONE, UID, "");
	expect("/kubepods/besteffort/pod" UID "/" ID, ID, NONE, UID, "");
	expect("/kubepods/pod" UID "/" ID, ID, NONE, UID, "");
}

static void kubepods_pod_level(void **state)
{
	(void)state;
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", "",
	       NONE, UID, "");
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/", "", NONE, UID, "");
	expect("/kubepods/burstable/pod" UID, "", NONE, UID, "");
	expect_nothing("/kubepods.slice/kubepods-burstable.slice");
	expect_nothing("/kubepods/burstable");
}

static void kubepods_under_other_parents(void **state)
{
	(void)state;
	/* kind: the node is a Docker container, the kubelet's cgroup root kubelet.slice. */
	expect("/system.slice/docker-" ID2 ".scope/kubelet.slice/kubelet-kubepods.slice"
	       "/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID_
	       ".slice/cri-containerd-" ID ".scope",
	       ID, NS_RUNTIME_CONTAINERD, UID, "");
	/* The node encloses the pod; it is not one of the pod's containers. */
	expect("/system.slice/docker-" ID2 ".scope/kubelet.slice/kubelet-kubepods.slice"
	       "/kubelet-kubepods-pod" UID_ ".slice",
	       "", NONE, UID, "");
	expect("/kubelet/kubepods/burstable/pod" UID "/" ID, ID, NONE, UID, "");
}

static void nested_in_container(void **state)
{
	(void)state;
	expect("/system.slice/docker-" ID ".scope/init.scope", ID, NS_RUNTIME_DOCKER, "", "");
	expect("/system.slice/docker-" ID ".scope/system.slice/nginx.service", ID,
	       NS_RUNTIME_DOCKER, "", "nginx");
	expect("/kubepods/pod" UID "/" ID "/system.slice/nginx.service", ID, NONE, UID, "nginx");
}

static void systemd_services(void **state)
{
	(void)state;
	expect("/system.slice/nginx.service", "", NONE, "", "nginx");
	expect("/system.slice/system-getty.slice/getty@tty1.service", "", NONE, "", "getty@tty1");
	expect("/user.slice/user-1000.slice/user@1000.service/app.slice/foo.service", "", NONE, "",
	       "foo");
	expect("/user.slice/user-1000.slice/user@1000.service/init.scope", "", NONE, "",
	       "user@1000");
	/* The daemon, not one of its containers. */
	expect("/system.slice/docker.service", "", NONE, "", "docker");
	expect("/system.slice/systemd-journald.service", "", NONE, "", "systemd-journald");
	expect_nothing("/init.scope");
	expect_nothing("/user.slice/user-1000.slice/session-3.scope");
	expect_nothing("/system.slice/.service");
	expect_nothing("/system.slice/nginx.servicex");
	expect_nothing("/system.slice/bad name.service");
}

static void service_name_length(void **state)
{
	/* systemd caps a unit name at 255 characters, suffix included. */
	char path[512] = "/system.slice/";
	char want[NS_SERVICE_NAME_MAX];
	size_t off = strlen(path);

	(void)state;
	memset(path + off, 'a', 247);
	memcpy(path + off + 247, ".service", sizeof(".service"));
	memset(want, 'a', 247);
	want[247] = '\0';
	expect(path, "", NONE, "", want);

	memset(path + off, 'a', 248);
	memcpy(path + off + 248, ".service", sizeof(".service"));
	expect_nothing(path);
}

static void path_forms(void **state)
{
	(void)state;
	expect("system.slice/docker-" ID ".scope", ID, NS_RUNTIME_DOCKER, "", "");
	expect("/system.slice/docker-" ID ".scope/", ID, NS_RUNTIME_DOCKER, "", "");
	expect("system.slice/docker-" ID ".scope/", ID, NS_RUNTIME_DOCKER, "", "");
	expect("docker-" ID ".scope", ID, NS_RUNTIME_DOCKER, "", "");
	expect("nginx.service/", "", NONE, "", "nginx");
}

static void near_miss_ids(void **state)
{
	(void)state;
	/* 63 and 65 digits. */
	expect_nothing("/system.slice/docker-"
		       "2db51a19c5fc8edbf8119fe5cee05f6716012873e4cd24a7d2f8e4692fcce5f.scope");
	expect_nothing("/system.slice/docker-" ID "0.scope");
	expect_nothing("/docker/" ID "0");
	expect("/kubepods/pod" UID
	       "/2db51a19c5fc8edbf8119fe5cee05f6716012873e4cd24a7d2f8e4692fcce5f",
	       "", NONE, UID, "");
	/* Runtimes print lowercase; 64 uppercase letters are someone else's name. */
	expect_nothing("/system.slice/docker-"
		       "2DB51A19C5FC8EDBF8119FE5CEE05F6716012873E4CD24A7D2F8E4692FCCE5F4.scope");
	expect_nothing("/docker/ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD");
	/* Non-hex digit. */
	expect_nothing("/system.slice/docker-"
		       "2db51a19c5fc8edbf8119fe5cee05f6716012873e4cd24a7d2f8e4692fcce5g4.scope");
	expect_nothing("/system.slice/docker-" ID ".scopex");
	expect_nothing("/system.slice/docker-" ID ".slice");
	expect_nothing("/system.slice/docker" ID ".scope");
	expect_nothing("/system.slice/containerd-" ID ".scope");
}

static void malformed_paths(void **state)
{
	(void)state;
	expect_nothing("");
	expect_nothing("/");
	expect_nothing("//");
	expect_nothing("/system.slice//docker-" ID ".scope");
	expect_nothing("//system.slice/docker-" ID ".scope");
	expect_nothing("/system.slice/docker-" ID ".scope//");
	expect_nothing("/system.slice/nginx.service//init.scope");
}

static void bad_pod_uids(void **state)
{
	const char *ctr = "/cri-containerd-" ID ".scope";
	char path[512];

	(void)state;
	/* A static pod's uid is a 32-digit hash, not a UUID: the container still counts. */
	snprintf(path, sizeof(path), "%s%s",
		 "/kubepods.slice/kubepods-burstable.slice"
		 "/kubepods-burstable-pod5e5a7b9d4d2c4e8f9a0b1c2d3e4f5a6b.slice",
		 ctr);
	expect(path, ID, NS_RUNTIME_CONTAINERD, "", "");
	/* Dashes in a slice name, underscores on cgroupfs. */
	expect_nothing("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID
		       ".slice");
	expect_nothing("/kubepods/burstable/pod" UID_);
	/* Separator one place off, one digit short, uppercase, not hex. */
	expect_nothing("/kubepods.slice/kubepods-pod7d1c012_7bc59_4926_a8cd_1fddb28473a6.slice");
	expect_nothing("/kubepods.slice/kubepods-pod7d1c0127_bc59_4926_a8cd_1fddb28473a.slice");
	expect_nothing("/kubepods.slice/kubepods-pod7D1C0127_BC59_4926_A8CD_1FDDB28473A6.slice");
	expect_nothing("/kubepods/pod7d1c0127-bc59-4926-a8cd-1fddb28473ax");
	/* Not under the kubelet's tree. */
	expect_nothing("/system.slice/pod" UID);
	expect_nothing("/kubepods/guaranteed/pod" UID);
	expect_nothing("/kubepods.slice/notkubepods-pod" UID_ ".slice");
	expect_nothing("/kubepods.slice/kubepods-burstable-pod" UID_ ".scope");
}

static void null_args(void **state)
{
	struct ns_cgroup_identity id;

	(void)state;
	assert_int_equal(ns_cgroup_identity_parse(NULL, &id), -EINVAL);
	assert_int_equal(ns_cgroup_identity_parse("/", NULL), -EINVAL);
}

static void runtime_names(void **state)
{
	(void)state;
	assert_string_equal(ns_container_runtime_name(NS_RUNTIME_DOCKER), "docker");
	assert_string_equal(ns_container_runtime_name(NS_RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(ns_container_runtime_name(NS_RUNTIME_CRIO), "cri-o");
	assert_string_equal(ns_container_runtime_name(NS_RUNTIME_PODMAN), "podman");
	assert_null(ns_container_runtime_name(NS_RUNTIME_NONE));
}

static void id_matches(void **state)
{
	struct ns_cgroup_identity id;

	(void)state;
	assert_int_equal(ns_cgroup_identity_parse("/system.slice/docker-" ID ".scope", &id), 0);
	assert_true(ns_container_id_matches(&id, ID));
	assert_true(ns_container_id_matches(&id, "2db51a19c5fc"));
	assert_true(ns_container_id_matches(&id, "2"));
	assert_true(ns_container_id_matches(&id, "2DB51A19C5FC"));
	assert_true(ns_container_id_matches(&id, "2Db51A"));
	assert_false(ns_container_id_matches(&id, "2db51b"));
	assert_false(ns_container_id_matches(&id, "db51a19c5fc8"));
	assert_false(ns_container_id_matches(&id, ID2));
	/* Not valid prefixes: they match nothing, not everything. */
	assert_false(ns_container_id_matches(&id, ""));
	assert_false(ns_container_id_matches(&id, "2db5-"));
	assert_false(ns_container_id_matches(&id, ID "0"));
	assert_false(ns_container_id_matches(&id, NULL));
	assert_false(ns_container_id_matches(NULL, "2db5"));

	assert_int_equal(ns_cgroup_identity_parse("/system.slice/nginx.service", &id), 0);
	assert_false(ns_container_id_matches(&id, "2db5"));
	assert_false(ns_container_id_matches(&id, ID));
}

static void id_valid(void **state)
{
	(void)state;
	assert_true(ns_container_id_valid("a"));
	assert_true(ns_container_id_valid("2db51a19c5fc"));
	assert_true(ns_container_id_valid("2DB51A19C5FC"));
	assert_true(ns_container_id_valid(ID));
	assert_false(ns_container_id_valid(""));
	assert_false(ns_container_id_valid(NULL));
	assert_false(ns_container_id_valid(ID "0"));
	assert_false(ns_container_id_valid("2db51g"));
	assert_false(ns_container_id_valid("2db5 "));
	assert_false(ns_container_id_valid("docker-2db5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(docker_systemd),
		cmocka_unit_test(docker_cgroupfs),
		cmocka_unit_test(containerd_kubepods_systemd),
		cmocka_unit_test(crio_kubepods_systemd),
		cmocka_unit_test(crio_kubepods_cgroupfs),
		cmocka_unit_test(podman_systemd),
		cmocka_unit_test(podman_cgroupfs),
		cmocka_unit_test(podman_rootless),
		cmocka_unit_test(kubepods_cgroupfs),
		cmocka_unit_test(kubepods_pod_level),
		cmocka_unit_test(kubepods_under_other_parents),
		cmocka_unit_test(nested_in_container),
		cmocka_unit_test(systemd_services),
		cmocka_unit_test(service_name_length),
		cmocka_unit_test(path_forms),
		cmocka_unit_test(near_miss_ids),
		cmocka_unit_test(malformed_paths),
		cmocka_unit_test(bad_pod_uids),
		cmocka_unit_test(null_args),
		cmocka_unit_test(runtime_names),
		cmocka_unit_test(id_matches),
		cmocka_unit_test(id_valid),
	};

	return cmocka_run_group_tests_name("cgroup_path", tests, NULL, NULL);
}
