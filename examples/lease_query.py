"""The dhcpctl overview's C program, line by line: print when a lease ends.

Usage: python3 lease_query.py ADDRESS PORT IP [KEYNAME ALGORITHM BASE64-SECRET]

Exit status: 0 with the lease's end printed; 1 when the lookup fails (the server's status, such
as "not found", or a local failure such as a refused connect, printed to stderr as C's example
prints ``isc_result_totext``); 2 for wrong arguments (the usage, for a PORT outside 1-65535 too,
or one line for a secret that is not base64). (ISC's example exits 0 when the server
is "not authoritative"; a script wants to know.)

No timeout: like ISC's example, it calls ``dhcpctl_connect`` and ``dhcpctl_wait_for_completion``,
which wait as long as the server takes (a silent server is waited for forever). A program
that must not hang calls ``dhcpctl_timed_connect`` and ``dhcpctl_timed_wait_for_completion``
instead, or uses ``dhcpctl.Client``, whose calls have a timeout.
"""

from __future__ import annotations

import base64
import binascii
import socket
import sys
import time

import dhcpctl
from dhcpctl import (
    ISC_R_SUCCESS,
    DhcpctlError,
    dhcpctl_connect,
    dhcpctl_data_string_dereference,
    dhcpctl_get_value,
    dhcpctl_initialize,
    dhcpctl_new_authenticator,
    dhcpctl_new_object,
    dhcpctl_open_object,
    dhcpctl_set_value,
    dhcpctl_wait_for_completion,
    omapi_data_string_new,
)


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 7) or not _is_port(argv[2]) or not _is_ipv4(argv[3]):
        print(__doc__, file=sys.stderr)
        return 2
    secret = None
    if len(argv) == 7:
        try:
            secret = base64.b64decode(argv[6], validate=True)
        except binascii.Error:
            print("lease_query.py: BASE64-SECRET is not valid base64", file=sys.stderr)
            return 2
    try:
        return lease_query(argv, secret)
    except DhcpctlError as error:
        # C's example: fprintf (stderr, "dhcpctl_connect: %s\n", isc_result_totext (status));
        # exit (1); here with the error's detail (the address, the likely cause).
        print(error, file=sys.stderr)
        return 1


def _is_port(text: str) -> bool:
    return text.isdigit() and 0 < int(text) < 65536


def _is_ipv4(text: str) -> bool:
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def lease_query(argv: list[str], secret: bytes | None) -> int:
    address, port, ip = argv[1], int(argv[2]), argv[3]

    # Required first step.
    dhcpctl_initialize()

    # If the server demands authenticated connections, create the authenticator first.
    authenticator = None
    if secret is not None:
        authenticator = dhcpctl_new_authenticator(argv[4], argv[5], secret)

    # Set up the connection to the server.
    connection = dhcpctl_connect(address, port, authenticator)

    # Create a handle to a lease: only a local data structure so far.
    lease = dhcpctl_new_object(connection, "lease")

    # Create a new data string to store in the handle.
    ipaddrstring = omapi_data_string_new(4)
    ipaddrstring.value[:] = socket.inet_aton(ip)

    # Set the ip-address attribute of the lease handle: the key the server looks it up by.
    dhcpctl_set_value(lease, ipaddrstring, "ip-address")

    # Prime the connection with the request to look up the lease in the server.
    dhcpctl_open_object(lease, connection, 0)

    # Send the message and wait: the result is the server's status.
    waitstatus = dhcpctl_wait_for_completion(lease)
    if waitstatus != ISC_R_SUCCESS:
        # server not authoritative
        print(f"lease lookup failed: {dhcpctl.isc_result_totext(waitstatus)}", file=sys.stderr)
        return 1

    # Clean up memory we no longer need.
    dhcpctl_data_string_dereference(ipaddrstring)

    # Get the attribute named "ends": a 4-byte integer of the Unix epoch time the lease ends.
    value = dhcpctl_get_value(lease, "ends")
    thetime = int.from_bytes(bytes(value), "big")
    dhcpctl_data_string_dereference(value)

    sys.stdout.write(f"ending time is {time.ctime(thetime)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
