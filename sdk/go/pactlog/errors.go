package pactlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is every error the client returns for a failed call: the gRPC status
// code and the server's message, which names what was wrong and with which
// value (e.g. "invalid request: events[0].approval.amount.minor_units: must
// be > 0 (got 0)"), the number of attempts, and as data what the server
// sent in the status details: the field violations (INVALID_ARGUMENT), the
// deal's current version (ABORTED) or the broken rule (FAILED_PRECONDITION).
//
// status.Code(err) and status.Convert(err) work on it directly, and
// errors.As(err, &e) with e of type *Error extracts it:
//
//	var e *pactlog.Error
//	if errors.As(err, &e) && e.Code == codes.Aborted { ... }
//
// The codes and what they mean are listed in the top README and in the
// .proto files: INVALID_ARGUMENT, ABORTED, FAILED_PRECONDITION, NOT_FOUND,
// ALREADY_EXISTS, RESOURCE_EXHAUSTED, OUT_OF_RANGE and UNAVAILABLE (retried
// by the client before it is returned).
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the server's (or the client's) explanation.
	Message string
	// Attempts is how many times the call was sent (more than one when it
	// was retried); 0 for errors found before sending.
	Attempts int
	// FieldViolations are the bad fields of a rejected request as data, in
	// the server's order: the google.rpc.BadRequest details of the status
	// (sent in the grpc-status-details-bin trailer). Nil when the server
	// sent none, and for errors found before sending.
	FieldViolations []FieldViolation

	// Reason is the reason of the google.rpc.ErrorInfo the server sent in
	// the status details, "" when it sent none: ReasonVersionMismatch with
	// ABORTED (DealID, CurrentVersion), ReasonRuleBroken with
	// FAILED_PRECONDITION (Rule, RuleDetail).
	Reason string
	// Metadata is that ErrorInfo's metadata as sent: deal_id and
	// current_version, or rule, detail and the numbers the rule names, each
	// by name. Nil without an ErrorInfo.
	Metadata map[string]string
	// DealID and CurrentVersion: the deal whose ExpectedVersion did not hold
	// and its version when the append was refused (0: the deal does not
	// exist). HasCurrentVersion tells whether the server said.
	DealID            string
	CurrentVersion    uint64
	HasCurrentVersion bool
	// Rule is the name of the deal rule the request broke (e.g.
	// "deal-announced-once") and RuleDetail what the rule found.
	Rule       string
	RuleDetail string

	status *status.Status // the server's, with its details; nil if none
	cause  error
}

// The google.rpc.ErrorInfo reasons pactlogd sends.
const (
	// ReasonVersionMismatch: ABORTED, the append's ExpectedVersion did not
	// hold; metadata deal_id and current_version.
	ReasonVersionMismatch = "EXPECTED_VERSION_MISMATCH"
	// ReasonRuleBroken: FAILED_PRECONDITION, the events break a deal rule;
	// metadata rule, detail and the numbers the rule names.
	ReasonRuleBroken = "RULE_BROKEN"
)

// FieldViolation is one bad field of a rejected request.
type FieldViolation struct {
	// Field is the field's path in the request, e.g.
	// "events[1].tariff_change.rate_bps".
	Field string
	// Description says what is wrong with it, with the value.
	Description string
}

// FieldViolations returns the field violations of err: those of an *Error
// in its chain, else those of a gRPC status error (e.g. from a raw
// pactlogpb stub). Nil when there are none.
//
//	for _, v := range pactlog.FieldViolations(err) {
//		fmt.Printf("%s: %s\n", v.Field, v.Description)
//	}
func FieldViolations(err error) []FieldViolation {
	var e *Error
	if errors.As(err, &e) {
		return e.FieldViolations
	}
	if s, ok := status.FromError(err); ok {
		return violationsOf(s)
	}
	return nil
}

// violationsOf collects the violations of every google.rpc.BadRequest in
// s's details (importing errdetails registers its type for Details()).
func violationsOf(s *status.Status) []FieldViolation {
	var out []FieldViolation
	for _, detail := range s.Details() {
		badRequest, ok := detail.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, v := range badRequest.GetFieldViolations() {
			out = append(out, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
		}
	}
	return out
}

// withErrorInfo fills e's Reason, Metadata and what they name from the
// first google.rpc.ErrorInfo in s's details.
func (e *Error) withErrorInfo(s *status.Status) *Error {
	for _, detail := range s.Details() {
		info, ok := detail.(*errdetails.ErrorInfo)
		if !ok {
			continue
		}
		e.Reason = info.GetReason()
		e.Metadata = map[string]string{}
		for k, v := range info.GetMetadata() {
			e.Metadata[k] = v
		}
		switch e.Reason {
		case ReasonVersionMismatch:
			e.DealID = e.Metadata["deal_id"]
			if v, err := strconv.ParseUint(e.Metadata["current_version"], 10, 64); err == nil {
				e.CurrentVersion, e.HasCurrentVersion = v, true
			}
		case ReasonRuleBroken:
			e.Rule, e.RuleDetail = e.Metadata["rule"], e.Metadata["detail"]
		}
		break
	}
	return e
}

// Error implements error.
func (e *Error) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("pactlog: %s: %s (after %d attempts)", e.Code, e.Message, e.Attempts)
	}
	return fmt.Sprintf("pactlog: %s: %s", e.Code, e.Message)
}

// GRPCStatus lets status.Code, status.Convert and status.FromError see the
// code and message, and the server's details (status.Details()).
func (e *Error) GRPCStatus() *status.Status {
	if e.status != nil && e.status.Code() == e.Code && e.status.Message() == e.Message {
		return e.status
	}
	return status.New(e.Code, e.Message)
}

// Unwrap returns the underlying error, if any (a context error, a file
// error from Dial).
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) hold for calls the caller's
// context ended.
func (e *Error) Is(target error) bool {
	switch target {
	case context.Canceled:
		return e.Code == codes.Canceled
	case context.DeadlineExceeded:
		return e.Code == codes.DeadlineExceeded
	}
	return false
}

// invalidArgument is an error the client finds before sending anything.
func invalidArgument(format string, args ...interface{}) *Error {
	return &Error{Code: codes.InvalidArgument, Message: fmt.Sprintf(format, args...)}
}

// toError turns what grpc-go returned into an *Error.
func toError(err error, attempts int) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, context.Canceled):
		return &Error{Code: codes.Canceled, Message: err.Error(), Attempts: attempts, cause: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: codes.DeadlineExceeded, Message: err.Error(), Attempts: attempts, cause: err}
	case err == io.EOF:
		return &Error{Code: codes.Unavailable, Message: "stream ended without a status", Attempts: attempts, cause: err}
	}
	s := status.Convert(err)
	e = &Error{Code: s.Code(), Message: s.Message(), Attempts: attempts,
		FieldViolations: violationsOf(s), status: s}
	return e.withErrorInfo(s)
}
