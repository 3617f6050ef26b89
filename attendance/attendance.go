// Package attendance reads the attendance reports that meeting platforms
// export (Zoom webinar attendee reports, Zoom meeting participant reports,
// Google Meet attendance sheets, or any CSV whose columns the organizer maps)
// and turns their rows into people with measured minutes.
//
// Attendance is taken from these reports rather than from link clicks,
// because clicking a join link is not attending. The reports are messy in
// ways that matter for certificates: people rejoin (several rows), join from
// two devices at once (overlapping rows), change their display name, join as
// guests without an email, and the same session may be exported twice (a
// webinar report and a meeting report). So the package keeps every row with
// its line number for disputes, merges rows per person, and measures minutes
// as the union of intervals so overlaps and duplicates never count twice.
//
// The package only parses and measures; matching people to registrations and
// deciding who earned a certificate is the caller's job.
package attendance

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Roles of a report row. Meeting reports do not mark the host, so every row
// of a meeting report is an attendee.
const (
	RoleHost     = "host"
	RolePanelist = "panelist"
	RoleAttendee = "attendee"
)

// Formats a Report can have.
const (
	FormatZoomWebinar       = "zoom-webinar"
	FormatZoomMeeting       = "zoom-meeting"
	FormatZoomMeetingUnique = "zoom-meeting-unique"
	FormatGoogleMeet        = "google-meet"
	FormatCSV               = "csv"
)

// Row is one line of a report.
type Row struct {
	Line int    // 1-based line in the file
	Role string // RoleHost, RolePanelist or RoleAttendee
	// Name is the display name. Zoom writes "New Name (Original Name)" when
	// someone renamed themselves in the session: Name is then the part
	// before the parentheses and OriginalName the part inside.
	Name         string
	OriginalName string
	Email        string // as in the file, trimmed
	// Join and Leave are zero when the report has none: absentees ("--"),
	// the Zoom "unique users" variant, time-of-day values without a known
	// date, and Google Meet rows whose times do not bound one stay (see Span).
	Join, Leave time.Time
	Minutes     float64 // the report's own duration for this row, 0 if none
	// Absent marks rows that are no attendance: Zoom "Attended: No", a Join
	// Time of "--", and time spent in Zoom's waiting room.
	Absent bool
	Guest  bool
	// WaitingRoom is Zoom's "In Waiting Room: Yes": the row is time spent
	// waiting to be admitted, so it is also Absent.
	WaitingRoom bool
	// Span is Google Meet's first join and last exit when the person left
	// and came back: the two times do not bound one stay, so they are kept
	// here instead of in Join/Leave (which would count the time away) and
	// Minutes holds Meet's own total.
	Span Interval
}

// Report is a parsed attendance report.
type Report struct {
	Format        string    // one of the Format constants
	Topic         string    // from the metadata when present
	ActualStart   time.Time // from the metadata when present, else zero
	ActualMinutes int       // "Actual Duration (minutes)" when present, else 0
	Rows          []Row
}

// Start is when the session began: the metadata's start when the report
// has one, else the earliest join; zero when the report has no times.
func (r *Report) Start() time.Time {
	if !r.ActualStart.IsZero() {
		return r.ActualStart
	}
	var first time.Time
	for _, row := range r.Rows {
		if !row.Join.IsZero() && (first.IsZero() || row.Join.Before(first)) {
			first = row.Join
		}
	}
	return first
}

// Mapping names the columns of a CSV that is not a known report. Names are
// header names as they appear in the file, matched loosely (case, spaces and
// punctuation are ignored). Name or Email is required; the others are
// optional.
type Mapping struct {
	Name, Email, Join, Leave, Minutes string
}

// Errors Parse returns. Row errors are *LineError values wrapping
// ErrBadTime, ErrBadDuration or ErrNegativeDuration; an unknown format is an
// *UnknownFormatError that also matches ErrUnknownFormat.
var (
	ErrEmpty            = errors.New("attendance: the file is empty")
	ErrNotCSV           = errors.New("attendance: not a CSV report")
	ErrUnknownFormat    = errors.New("attendance: unrecognised report format")
	ErrMissingColumn    = errors.New("attendance: column not found")
	ErrBadTime          = errors.New("not a date and time in a known format (e.g. 08/02/2021 09:01:33 AM, Aug 2, 2021 09:01:33 or 2021-08-02 09:01:33)")
	ErrBadDuration      = errors.New("not a duration (e.g. 83, 1 hr 23 min or 01:23:45)")
	ErrNegativeDuration = errors.New("negative duration")
)

// NotCSVError says why an upload is not a text report; it matches
// ErrNotCSV. Reason is one of the keys of NotCSVReasons, so a caller can say
// it in the user's language.
type NotCSVError struct {
	Reason string
}

// NotCSVReasons describes each NotCSVError reason in English.
var NotCSVReasons = map[string]string{
	"pdf":      "the file is a PDF document",
	"png":      "the file is a PNG image",
	"jpeg":     "the file is a JPEG image",
	"gif":      "the file is a GIF image",
	"zip":      "the file is a ZIP archive or Excel workbook (export the report as CSV)",
	"office":   "the file is an old Excel or Office document (export the report as CSV)",
	"html":     "the file is a web page (HTML)",
	"binary":   "the file contains binary data",
	"utf16":    "invalid UTF-16 text",
	"encoding": "the text is neither UTF-8 nor Windows-1252",
	"table":    "no comma-, semicolon- or tab-separated rows",
}

func (e *NotCSVError) Error() string { return ErrNotCSV.Error() + ": " + NotCSVReasons[e.Reason] }

// Is makes a NotCSVError match ErrNotCSV.
func (e *NotCSVError) Is(target error) bool { return target == ErrNotCSV }

// LineError is a problem with one value of one line.
type LineError struct {
	Line  int    // 1-based line in the file
	Field string // e.g. "join time"
	Value string // the value as in the file
	Err   error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("line %d: %s %q: %v", e.Line, e.Field, e.Value, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// UnknownFormatError is returned for a CSV that is not a known report, so a
// UI can offer a mapping step with the file's own column names.
type UnknownFormatError struct {
	Line    int      // line of Header, 0 if the file has no usable header
	Header  []string // the column names found, trimmed
	Missing []string // with a Mapping: its columns that are not in Header
}

func (e *UnknownFormatError) Error() string {
	cols := make([]string, len(e.Header))
	for i, h := range e.Header {
		cols[i] = fmt.Sprintf("%q", h)
	}
	if len(e.Missing) > 0 {
		miss := make([]string, len(e.Missing))
		for i, m := range e.Missing {
			miss[i] = fmt.Sprintf("%q", m)
		}
		return fmt.Sprintf("attendance: column %s not found in the header on line %d (%s)",
			strings.Join(miss, ", "), e.Line, strings.Join(cols, ", "))
	}
	return fmt.Sprintf("attendance: not a Zoom or Google Meet report; the header on line %d is %s: say which columns hold the name, email, join and leave times",
		e.Line, strings.Join(cols, ", "))
}

// Is makes errors.Is(err, ErrUnknownFormat) hold, and ErrMissingColumn too
// when a mapping named columns the file does not have.
func (e *UnknownFormatError) Is(target error) bool {
	return target == ErrUnknownFormat || (target == ErrMissingColumn && len(e.Missing) > 0)
}
