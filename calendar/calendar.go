// Package calendar writes iCalendar (RFC 5545) files and "add to Google
// Calendar" links for webinars.
package calendar

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Methods of a calendar object (RFC 5546).
const (
	MethodPublish = "PUBLISH"
	MethodCancel  = "CANCEL"
)

// Event is one webinar as a calendar sees it.
type Event struct {
	UID         string // stable per webinar, so updates replace the entry
	Sequence    int    // grows with every change
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Cancelled   bool
	Stamp       time.Time
}

// ICS returns the event as a calendar file. Times are written in UTC, which
// every client converts to its own zone: no VTIMEZONE to get wrong.
func ICS(e Event, method string) []byte {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)); b.WriteString("\r\n") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Sinau//Sinau Webinar//ID")
	line("CALSCALE:GREGORIAN")
	line("METHOD:" + method)
	line("BEGIN:VEVENT")
	line("UID:" + escape(e.UID))
	line("DTSTAMP:" + utc(e.Stamp))
	line("DTSTART:" + utc(e.Start))
	line("DTEND:" + utc(e.End))
	line(fmt.Sprintf("SEQUENCE:%d", e.Sequence))
	line("SUMMARY:" + escape(e.Summary))
	if e.Description != "" {
		line("DESCRIPTION:" + escape(e.Description))
	}
	if e.Location != "" {
		line("LOCATION:" + escape(e.Location))
	}
	if e.URL != "" {
		line("URL:" + e.URL)
	}
	if e.Cancelled || method == MethodCancel {
		line("STATUS:CANCELLED")
	} else {
		line("STATUS:CONFIRMED")
	}
	line("TRANSP:OPAQUE")
	line("END:VEVENT")
	line("END:VCALENDAR")
	return []byte(b.String())
}

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escape quotes TEXT values (RFC 5545 §3.3.11).
func escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold splits a content line into lines of at most 75 octets, never inside
// a UTF-8 sequence (RFC 5545 §3.1).
func fold(s string) string {
	if len(s) <= 75 {
		return s
	}
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	return b.String()
}

// GoogleURL is an "add to Google Calendar" link for the event.
func GoogleURL(e Event) string {
	q := url.Values{}
	q.Set("action", "TEMPLATE")
	q.Set("text", e.Summary)
	q.Set("dates", utc(e.Start)+"/"+utc(e.End))
	details := e.Description
	if e.URL != "" {
		details = strings.TrimSpace(details + "\n\n" + e.URL)
	}
	q.Set("details", details)
	if e.Location != "" {
		q.Set("location", e.Location)
	}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}
