"""Decoding the field violations of a status' grpc-status-details-bin, on
trailers made here (test_append.py checks the server's own)."""

import unittest

import pactlog
from pactlog._errors import field_violations_of
from pactlog._rpc import error_details_pb2, status_pb2

BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"


def details_bin(*details) -> bytes:
    status = status_pb2.Status(code=3, message="invalid request")
    for type_url, message in details:
        status.details.add(type_url=type_url, value=message.SerializeToString())
    return status.SerializeToString()


def bad_request(*violations) -> error_details_pb2.BadRequest:
    return error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
        for f, d in violations])


class FieldViolationsOfTest(unittest.TestCase):

    def test_every_bad_request_detail_in_order(self):
        trailer = details_bin((BAD_REQUEST, bad_request(("deal_id", "must be a slug"))),
                              ("type.googleapis.com/example.Other", bad_request(("x", "y"))),
                              (BAD_REQUEST, bad_request(("actor", "too long"))))
        self.assertEqual(
            field_violations_of([("other", "v"), ("grpc-status-details-bin", trailer)]),
            [pactlog.FieldViolation("deal_id", "must be a slug"),
             pactlog.FieldViolation("actor", "too long")])

    def test_no_trailer_gives_none(self):
        self.assertEqual(field_violations_of(None), [])
        self.assertEqual(field_violations_of([("other", "v")]), [])

    def test_malformed_trailer_gives_none(self):
        self.assertEqual(field_violations_of([("grpc-status-details-bin", b"\xff\xff")]), [])


if __name__ == "__main__":
    unittest.main()
