#!/usr/bin/env python3
"""moto's server for `make demo`, the behaviour tests and the benchmarks, with two gaps filled.

- moto 5.2.5 answers S3's GetBucketVersioning under the root element `GetBucketVersioningResponse`,
  where S3 answers `VersioningConfiguration` (the API's own shape); the Rust SDK rightly refuses
  the former, so without this every declared bucket would be unscanned.
- moto has no placement groups: EC2's DescribePlacementGroups gets an empty body, which no SDK
  can read, so every EC2 scan would find `aws_placement_group` unscanned. Nothing can create a
  placement group in moto, so the true answer of the emulator is the empty list, in EC2's shape.
  (The mapping of real answers is a unit test: src/aws/ec2/flow_logs.rs.)

Everything else is moto exactly as it is. Arguments are moto_server's.
"""
import sys

from moto.ec2.responses import EC2Response
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


def _describe_placement_groups(self):
    return ('<DescribePlacementGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            '<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId><placementGroupSet/>'
            '</DescribePlacementGroupsResponse>')


EC2Response.describe_placement_groups = _describe_placement_groups

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
