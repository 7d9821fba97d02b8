"""dhcpd's host tables, as ``server/mdb.c`` keeps them: enter_host and delete_host, line by line.

Three hash tables (name, hardware address with its type byte first, client identifier) map a key
to a host. ISC's hash (``omapip/hash.c``) puts a new entry in front of its bucket and finds and
deletes the first match, so each key here holds a stack whose last entry is the one found; a
key added twice shadows its earlier entry. Hosts sharing a hardware address or client
identifier chain behind the one in the table through their single ``n_ipaddr`` link, which
both chains share, as in mdb.c (with its quirks: a host appended to a hardware chain is never
linked into a client-id chain; deleting a host re-adds the next host's client id whether or
not the deleted one headed that chain, as ``uid_head`` starts at 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dhcpctl._results import ISC_R_EXISTS, ISC_R_IOERROR, ISC_R_SUCCESS

if TYPE_CHECKING:
    from ._store import Host


class HashTable:
    """An ``omapip/hash.c`` table of hosts: a stack of entries per key.

    add_hash keeps the key by pointer (``bp->name = key``), here the host's own buffer:
    an entry stays in the bucket of the key it was added under, but matches (on lookup and
    delete) only while the host's key, read now through ``key_of``, is still that key. A
    host whose hardware type changes after it was entered is no longer found under its old
    key, nor deleted from it."""

    def __init__(self, key_of: Callable[[Host], bytes | None]) -> None:
        self._entries: dict[bytes, list[Host]] = {}
        self._key_of = key_of

    def _index(self, key: bytes) -> int | None:
        entries = self._entries.get(key, [])
        for index in range(len(entries) - 1, -1, -1):
            if self._key_of(entries[index]) == key:
                return index
        return None

    def lookup(self, key: bytes) -> Host | None:
        index = self._index(key)
        return None if index is None else self._entries[key][index]

    def add(self, key: bytes, host: Host) -> None:
        self._entries.setdefault(key, []).append(host)

    def delete(self, key: bytes) -> None:
        index = self._index(key)
        if index is not None:
            entries = self._entries[key]
            del entries[index]
            if not entries:
                del self._entries[key]


def db_printable(text: bytes) -> bool:
    """server/db.c db_printable: printable ASCII up to the first NUL, no ``"`` or ``\\``."""
    text = text.split(b"\0", 1)[0]
    return all(0x20 <= c < 0x7F and c not in b'"\\' for c in text)


class HostTables:
    """The three tables and the order hosts were entered (for :attr:`OmapiServer.hosts`)."""

    def __init__(self) -> None:
        self.names = HashTable(lambda host: host.c_name)
        self.hardware = HashTable(lambda host: host.hbuf)
        self.uids = HashTable(lambda host: host.uid)

    def enter_host(self, hd: Host, dynamic: bool, commit: bool) -> int:
        """mdb.c enter_host (the name hash exists: dhcpd.conf made it)."""
        name = hd.c_name
        hp = self.names.lookup(name)
        if hp is not None and hp.deleted:  # "If it's deleted, we can supersede it."
            self.names.delete(name)
            if hp.static:
                hd.static = True
            hp = None
        if hp is not None and hp is hd:  # updating an existing declaration
            hp = None
            self.delete_host(hd, commit=False)
            if not db_printable(name):
                return ISC_R_IOERROR  # write_host fails
            hd.deleted = False
        if hp is None:
            self.names.add(name, hd)
        else:
            return ISC_R_EXISTS
        hd.n_ipaddr = None
        np: Host | None = None
        if hd.hbuf is not None:
            hp = self.hardware.lookup(hd.hbuf)
            if hp is None:
                self.hardware.add(hd.hbuf, hd)
            else:
                np = hp
                while np.n_ipaddr is not None:
                    np = np.n_ipaddr
                np.n_ipaddr = hd
        if hd.uid:
            hp = self.uids.lookup(hd.uid)
            if hp is not None:
                if np is None:  # "Don't link it in twice..."
                    np = hp
                    while np.n_ipaddr is not None and np is not hd:
                        np = np.n_ipaddr
                    if np is not hd:
                        np.n_ipaddr = hd
            else:
                self.uids.add(hd.uid, hd)
        if dynamic and commit and not db_printable(name):
            return ISC_R_IOERROR  # write_host fails; the host stays in memory
        return ISC_R_SUCCESS

    def delete_host(self, hd: Host, commit: bool) -> int:
        """mdb.c delete_host."""
        if hd.deleted:
            return ISC_R_SUCCESS
        hd.deleted = True
        hw_head, uid_head = False, True
        for table, key, is_hw in ((self.hardware, hd.hbuf, True), (self.uids, hd.uid, False)):
            if not key:
                continue
            hp = table.lookup(key)
            if hp is None:
                continue
            if hp is hd:
                table.delete(key)
                if is_hw:
                    hw_head = True
                else:
                    uid_head = True
                continue
            np: Host | None = None
            foo: Host | None = hp
            while foo is not None and foo is not hd:
                np = foo
                foo = np.n_ipaddr
            if foo is not None and np is not None:
                np.n_ipaddr = hd.n_ipaddr
        following = hd.n_ipaddr
        if following is not None:
            if uid_head and following.uid:
                self.uids.add(following.uid, following)
            if hw_head and following.hbuf is not None:
                self.hardware.add(following.hbuf, following)
            hd.n_ipaddr = None
        hp = self.names.lookup(hd.c_name)
        if hp is hd and not hd.static:
            self.names.delete(hd.c_name)
        if commit and not db_printable(hd.c_name):
            return ISC_R_IOERROR
        return ISC_R_SUCCESS
