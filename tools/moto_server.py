#!/usr/bin/env python3
"""moto's server for `make demo`, with one of its answers put right.

moto 5.2.5 answers S3's GetBucketVersioning under the root element `GetBucketVersioningResponse`,
where S3 answers `VersioningConfiguration` (the API's own shape); the Rust SDK rightly refuses the
former, so without this every declared bucket would be unscanned in the demo. The behaviour tests
start moto as it is and put the same answer right through their proxy (tests/it/proxy.rs), so
that they also see everything else exactly as moto sends it. Arguments are moto_server's.
"""
import sys

from moto.s3.responses import S3Response

_versioning = S3Response.get_bucket_versioning


def _get_bucket_versioning(self):
    status, headers, body = _versioning(self)
    if isinstance(body, bytes):
        body = body.replace(b"GetBucketVersioningResponse", b"VersioningConfiguration")
    else:
        body = body.replace("GetBucketVersioningResponse", "VersioningConfiguration")
    return status, headers, body


S3Response.get_bucket_versioning = _get_bucket_versioning

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
