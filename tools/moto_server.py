#!/usr/bin/env python3
"""moto's server for `make demo`, the behaviour tests and the benchmarks, with two gaps filled.

- moto 5.2.5 answers S3's GetBucketVersioning under the root element `GetBucketVersioningResponse`,
  where S3 answers `VersioningConfiguration` (the API's own shape); the Rust SDK rightly refuses
  the former, so without this every declared bucket would be unscanned.
- moto has no placement groups: EC2's DescribePlacementGroups gets an empty body, which no SDK
  can read, so every EC2 scan would find `aws_placement_group` unscanned. Nothing can create a
  placement group in moto, so the true answer of the emulator is the empty list, in EC2's shape.
  (The mapping of real answers is a unit test: src/aws/ec2/flow_logs.rs.)
- CloudWatch's SDKs speak Smithy RPC v2 CBOR (the Rust SDK only that); moto 5.2.5 answers
  CloudWatch in the Query and JSON protocols only (getmoto/moto#9195: CBOR is not planned). A
  CBOR request (`/service/GraniteServiceVersion20100801/operation/OP`) is handed to moto as the
  same request in AWS JSON 1.0, and its answer given back in CBOR, timestamps as CBOR's epoch
  tag as the protocol has them: the same values, moto's own logic. With IAM enforced, moto
  checks who asks and what their policy allows as for any request, but not the signature, which
  was made over the CBOR request, not the JSON one moto sees. And it names CloudWatch's actions
  by the signing name (`monitoring:DescribeAlarms`), where IAM has `cloudwatch:DescribeAlarms`:
  put right, so a policy is read as AWS reads it.

Everything else is moto exactly as it is. Arguments are moto_server's.
"""
import io
import json
import sys
from datetime import datetime, timezone

import cbor2
from moto.ec2.responses import EC2Response
from moto.iam.access_control import IAMRequestBase
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
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

_CBOR_PREFIX = "/service/GraniteServiceVersion20100801/operation/"
_dispatch = DomainDispatcherApplication.__call__


def _epochs_to_times(value, key=""):
    """JSON's epoch seconds of timestamp members (CloudWatch names them ...Timestamp) as datetimes,
    which cbor2 writes as the epoch tag (1) the SDK reads timestamps from."""
    if isinstance(value, dict):
        return {k: _epochs_to_times(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_epochs_to_times(v, key) for v in value]
    if key.endswith("Timestamp") and isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    return value


def _times_to_epochs(value):
    if isinstance(value, dict):
        return {k: _times_to_epochs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_times_to_epochs(v) for v in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _call(self, environ, start_response):
    path = environ.get("PATH_INFO", "")
    if not path.startswith(_CBOR_PREFIX):
        return _dispatch(self, environ, start_response)
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    request = _times_to_epochs(cbor2.loads(raw)) if raw else {}
    body = json.dumps(request).encode()
    environ = dict(environ, PATH_INFO="/", CONTENT_TYPE="application/x-amz-json-1.0",
                   CONTENT_LENGTH=str(len(body)), HTTP_X_AMZ_TARGET="GraniteServiceVersion20100801."
                   + path[len(_CBOR_PREFIX):])
    environ["wsgi.input"] = io.BytesIO(body)
    environ["HTTP_X_DRIFTSCAN_CBOR_BRIDGE"] = "1"
    captured = {}

    def keep(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    answer = b"".join(_dispatch(self, environ, keep))
    try:
        decoded = json.loads(answer) if answer.strip() else {}
    except ValueError:
        decoded = {"__type": "InternalFailure", "message": answer.decode(errors="replace")[:200]}
    out = cbor2.dumps(_epochs_to_times(decoded), datetime_as_timestamp=True, timezone=timezone.utc)
    headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() not in ("content-type", "content-length")]
    headers += [("Content-Type", "application/cbor"), ("Smithy-Protocol", "rpc-v2-cbor"),
                ("Content-Length", str(len(out)))]
    start_response(captured.get("status", "200 OK"), headers)
    return [out]


DomainDispatcherApplication.__call__ = _call
_check_signature = IAMRequestBase.check_signature


def _check_unless_bridged(self):
    if not self._headers.get("X-Driftscan-Cbor-Bridge"):
        _check_signature(self)


IAMRequestBase.check_signature = _check_unless_bridged
_iam_request_init = IAMRequestBase.__init__


def _iam_request(self, *args, **kwargs):
    _iam_request_init(self, *args, **kwargs)
    if self._action.startswith("monitoring:"):
        self._action = "cloudwatch:" + self._action[len("monitoring:"):]


IAMRequestBase.__init__ = _iam_request

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
