#!/usr/bin/env python3
"""Reads a fairbeam container with h5py only (no fairbeam code): checks the root attributes and the
/index columns, extracts one member by its byte range of /blob and prints a JSON report.

usage: read_container.py CONTAINER MEMBER_PATH
"""
import hashlib
import json
import sys

import h5py


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def main(container, member_path):
    with h5py.File(container, "r") as f:
        attrs = {key: text(f.attrs[key]) if isinstance(f.attrs[key], (bytes, str)) else int(f.attrs[key])
                 for key in ("format", "version", "session", "created", "member_count")}
        index = f["index"]
        paths = [text(p) for p in index["path"][:]]
        columns = ["path", "type", "offset", "length", "mtime", "mode", "sha256", "target"]
        lengths = {name: len(index[name]) for name in columns}
        row = paths.index(member_path)
        offset = int(index["offset"][row])
        length = int(index["length"][row])
        blob = f["blob"]
        data = bytes(blob[offset:offset + length])
        report = {
            "attrs": attrs,
            "rows": len(paths),
            "column_lengths": lengths,
            "sorted": [p.encode("utf-8") for p in paths] == sorted(p.encode("utf-8") for p in paths),
            "blob": {"dtype": str(blob.dtype), "chunks": list(blob.chunks), "compression": blob.compression},
            "member": {
                "type": text(index["type"][row]),
                "length": length,
                "sha256_index": text(index["sha256"][row]),
                "sha256_data": hashlib.sha256(data).hexdigest(),
            },
            # Symlink targets by path (empty for other rows: HDF5 holds those as null strings).
            "targets": dict(zip(paths, (text(t) for t in index["target"][:]))),
            "hdf5_version": h5py.version.hdf5_version,
        }
        print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
