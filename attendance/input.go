package attendance

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// record is one non-blank CSV record with the line it starts on.
type record struct {
	line  int
	cells []string
}

// magic lists files organizers upload by mistake instead of the CSV export,
// so the error can say what the file is rather than only "not CSV".
var magic = []struct {
	prefix, reason string
}{
	{"%PDF-", "pdf"},
	{"\x89PNG", "png"},
	{"\xff\xd8\xff", "jpeg"},
	{"GIF8", "gif"},
	{"PK\x03\x04", "zip"},
	{"\xd0\xcf\x11\xe0", "office"},
}

// decodeText turns the upload into UTF-8 text, or says why it is not a
// text report.
func decodeText(data []byte) (string, error) {
	// Excel's "Unicode text" export is UTF-16 with a BOM; everything after
	// this point assumes UTF-8.
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", &NotCSVError{Reason: "utf16"}
		}
		data = out
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return "", ErrEmpty
	}
	for _, m := range magic {
		if bytes.HasPrefix(data, []byte(m.prefix)) {
			return "", &NotCSVError{Reason: m.reason}
		}
	}
	head := bytes.ToLower(bytes.TrimSpace(data[:min(len(data), 512)]))
	if bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) {
		return "", &NotCSVError{Reason: "html"}
	}
	controls := 0
	for _, c := range data {
		switch {
		case c == 0:
			return "", &NotCSVError{Reason: "binary"}
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v', c == 0x7f:
			controls++
		}
	}
	// A stray control byte (a DOS end-of-file mark) is tolerated; many are
	// binary data.
	if controls > len(data)/100+1 {
		return "", &NotCSVError{Reason: "binary"}
	}
	if !utf8.Valid(data) {
		// A CSV re-saved by Excel on Windows is in the ANSI code page, which
		// is Windows-1252 for Indonesian and Western locales; reading it as
		// such keeps accented names instead of rejecting the file.
		out, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", &NotCSVError{Reason: "encoding"}
		}
		data = out
	}
	return string(data), nil
}

// sniffDelimiter picks the separator. Zoom writes commas, but Excel in the
// Indonesian locale (decimal comma) saves CSV with semicolons, and some
// tools write tabs. The separator found outside quotes on the most lines
// wins; ties go to the comma.
func sniffDelimiter(text string) (rune, bool) {
	cands := []rune{',', ';', '\t'}
	lines := [3]int{}
	seen := 0
	for len(text) > 0 && seen < 50 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		seen++
		var has [3]bool
		quoted := false
		for _, c := range line {
			if c == '"' {
				quoted = !quoted
				continue
			}
			if quoted {
				continue
			}
			for i, d := range cands {
				if c == d {
					has[i] = true
				}
			}
		}
		for i := range has {
			if has[i] {
				lines[i]++
			}
		}
	}
	best := 0
	for i := range cands {
		if lines[i] > lines[best] {
			best = i
		}
	}
	return cands[best], lines[best] > 0
}

// readRecords reads all non-blank records. Reports are small enough (tens
// of thousands of rows at most) to hold, and holding them lets the parser
// look ahead and re-read with the other date order.
func readRecords(text string, comma rune) ([]record, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.FieldsPerRecord = -1 // sections and metadata have different widths
	r.LazyQuotes = true    // names with a stray quote are common in exports
	var out []record
	for {
		cells, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("attendance: line %d: %w", pe.StartLine, pe.Err)
			}
			return nil, fmt.Errorf("attendance: %w", err)
		}
		if blank(cells) {
			continue
		}
		line, _ := r.FieldPos(0)
		out = append(out, record{line: line, cells: cells})
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
