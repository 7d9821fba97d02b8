/*
 * The benchmark's baseline: the same loops as benchmarks/run.py, in plain C over ISC's
 * libdhcpctl. benchmarks/run.py compiles it at run time against the located ISC libraries.
 *
 *   c_loop ADDRESS PORT KEYNAME ALGORITHM SECRET COUNT MODE [ARG]
 *
 * SECRET is base64, or "raw:" followed by the secret itself. KEYNAME "-" connects without a key.
 * MODE "lookup": COUNT times new_object lease + set_value ip-address (ARG, dotted quad) +
 *   open_object + wait_for_completion + get_value ends + dereference, as ISC's example does.
 * MODE "host-cycle": COUNT times create a host (name ARG-i, hardware-address unique per i,
 *   hardware-type 1, CREATE|EXCL) + wait, then dhcpctl_object_remove + wait.
 * Prints "<count> <seconds> <per second>" on stdout; exits 1 with a message on any failure.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dhcpctl/dhcpctl.h>

static void fail(const char *what, isc_result_t status, const char *detail, ...) {
	va_list args;
	fprintf(stderr, "c_loop: %s: %s", what, isc_result_totext(status));
	if (detail != NULL) {
		fputs(" (", stderr);
		va_start(args, detail);
		vfprintf(stderr, detail, args);
		va_end(args);
		fputc(')', stderr);
	}
	fputc('\n', stderr);
	exit(1);
}

/* Both the local call and the server's answer must succeed. */
#define CHECK(call)                                                                              \
	do {                                                                                     \
		isc_result_t status_ = (call);                                                   \
		if (status_ != ISC_R_SUCCESS)                                                    \
			fail(#call, status_, NULL);                                              \
	} while (0)

static int b64_value(int c) {
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Decodes base64 into out (at least strlen(text) bytes); returns the length, -1 if invalid. */
static long b64_decode(const char *text, unsigned char *out) {
	unsigned long bits = 0;
	int nbits = 0;
	long length = 0;
	for (; *text != '\0' && *text != '='; text++) {
		int value = b64_value((unsigned char)*text);
		if (value < 0) return -1;
		bits = (bits << 6) | (unsigned long)value;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[length++] = (unsigned char)((bits >> nbits) & 0xff);
		}
	}
	return length;
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lookup(dhcpctl_handle connection, const struct in_addr *address) {
	dhcpctl_handle lease = NULL;
	dhcpctl_data_string ipaddrstring = NULL;
	dhcpctl_data_string value = NULL;
	dhcpctl_status waitstatus;

	CHECK(dhcpctl_new_object(&lease, connection, "lease"));
	CHECK(omapi_data_string_new(&ipaddrstring, sizeof(*address), MDL));
	memcpy(ipaddrstring->value, address, sizeof(*address));
	CHECK(dhcpctl_set_value(lease, ipaddrstring, "ip-address"));
	CHECK(dhcpctl_open_object(lease, connection, 0));
	CHECK(dhcpctl_wait_for_completion(lease, &waitstatus));
	if (waitstatus != ISC_R_SUCCESS) fail("lease lookup", waitstatus, NULL);
	CHECK(dhcpctl_data_string_dereference(&ipaddrstring, MDL));
	CHECK(dhcpctl_get_value(&value, lease, "ends"));
	if (value->len != 4) fail("lease ends", ISC_R_UNEXPECTED, "%u bytes", value->len);
	CHECK(dhcpctl_data_string_dereference(&value, MDL));
	CHECK(omapi_object_dereference(&lease, MDL));
}

static void host_cycle(dhcpctl_handle connection, const char *prefix, unsigned long i) {
	dhcpctl_handle host = NULL;
	dhcpctl_status waitstatus;
	char name[128];
	/* Locally administered, unique per iteration: 02:c0:i i i i. */
	char mac[6] = {0x02, (char)0xc0, (char)(i >> 24), (char)(i >> 16), (char)(i >> 8),
		       (char)i};

	snprintf(name, sizeof(name), "%s-%lu", prefix, i);
	CHECK(dhcpctl_new_object(&host, connection, "host"));
	CHECK(dhcpctl_set_string_value(host, name, "name"));
	CHECK(dhcpctl_set_data_value(host, mac, sizeof(mac), "hardware-address"));
	CHECK(dhcpctl_set_int_value(host, 1, "hardware-type"));
	CHECK(dhcpctl_open_object(host, connection, DHCPCTL_CREATE | DHCPCTL_EXCL));
	CHECK(dhcpctl_wait_for_completion(host, &waitstatus));
	if (waitstatus != ISC_R_SUCCESS) fail("host create", waitstatus, "%s", name);
	CHECK(dhcpctl_object_remove(connection, host));
	CHECK(dhcpctl_wait_for_completion(host, &waitstatus));
	if (waitstatus != ISC_R_SUCCESS) fail("host remove", waitstatus, "%s", name);
	CHECK(omapi_object_dereference(&host, MDL));
}

int main(int argc, char **argv) {
	dhcpctl_handle authenticator = NULL;
	dhcpctl_handle connection = NULL;
	struct in_addr address;
	unsigned char *secret;
	long secret_length;
	unsigned long count, i;
	const char *mode, *arg;
	double started, elapsed;

	if (argc != 8 && argc != 9) {
		fprintf(stderr, "usage: %s ADDRESS PORT KEYNAME ALGORITHM SECRET COUNT "
				"lookup|host-cycle [IP|NAME-PREFIX]\n", argv[0]);
		return 2;
	}
	count = strtoul(argv[6], NULL, 10);
	mode = argv[7];
	if (strcmp(mode, "lookup") == 0) {
		arg = argc == 9 ? argv[8] : "198.18.254.150";
		if (inet_pton(AF_INET, arg, &address) != 1) {
			fprintf(stderr, "c_loop: not an IPv4 address: %s\n", arg);
			return 2;
		}
	} else if (strcmp(mode, "host-cycle") == 0) {
		arg = argc == 9 ? argv[8] : "c-loop";
	} else {
		fprintf(stderr, "c_loop: unknown mode %s\n", mode);
		return 2;
	}

	CHECK(dhcpctl_initialize());
	if (strcmp(argv[3], "-") != 0) {
		if (strncmp(argv[5], "raw:", 4) == 0) {
			secret = (unsigned char *)argv[5] + 4;
			secret_length = (long)strlen(argv[5] + 4);
		} else {
			secret = malloc(strlen(argv[5]) + 1);
			if (secret == NULL) return 1;
			secret_length = b64_decode(argv[5], secret);
			if (secret_length < 0) {
				fprintf(stderr, "c_loop: the secret is not base64\n");
				return 2;
			}
		}
		CHECK(dhcpctl_new_authenticator(&authenticator, argv[3], argv[4], secret,
						(unsigned)secret_length));
	}
	CHECK(dhcpctl_connect(&connection, argv[1], atoi(argv[2]), authenticator));

	started = now();
	for (i = 0; i < count; i++) {
		if (mode[0] == 'l')
			lookup(connection, &address);
		else
			host_cycle(connection, arg, i);
	}
	elapsed = now() - started;
	printf("%lu %.6f %.1f\n", count, elapsed, elapsed > 0 ? (double)count / elapsed : 0.0);
	return 0;
}
