package uploads

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen is the longest name SafeName returns, in characters (runes).
const MaxNameLen = 200

// maxExtLen is the longest suffix SafeName treats as an extension to keep
// when it cuts a name; a longer "extension" is just part of the name.
const maxExtLen = 16

// SafeName turns an uploaded file's name into one fit to store as data and
// to show. The name is never used as a path — keys are — but it is shown in
// pages and sent in headers, so it must not carry directories, control
// characters (a CR/LF would split a header), bidi overrides (which make
// "exe.pdf" display as "fdp.exe") or invalid UTF-8.
//
// It keeps the base name only (both / and \ separate, since Windows
// browsers send "C:\Users\x\slides.pptx"), drops control, bidi and line
// separator characters, trims spaces, cuts to MaxNameLen characters keeping
// the extension, and returns "file" rather than an empty name. SafeName is
// idempotent.
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) ||
			unicode.In(r, unicode.Zl, unicode.Zp) || r == '\uFEFF' || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > MaxNameLen {
		name = cut(name)
	}
	if strings.Trim(name, ".") == "" { // "", ".", ".." and the like
		return "file"
	}
	return name
}

// cut shortens name to MaxNameLen runes, keeping a short extension so the
// name still tells what kind of file it is.
func cut(name string) string {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		if n := utf8.RuneCountInString(name[i:]); n > 1 && n <= maxExtLen {
			ext = name[i:]
			name = name[:i]
		}
	}
	keep := MaxNameLen - utf8.RuneCountInString(ext)
	runes := []rune(name)
	if len(runes) > keep {
		runes = runes[:keep]
	}
	// Trimming after the cut may shorten further, never lengthen.
	return strings.TrimRightFunc(string(runes), unicode.IsSpace) + ext
}

// ContentDisposition returns an attachment Content-Disposition value for
// name: a quoted ASCII fallback for old clients plus the exact name as an
// RFC 5987/6266 filename* parameter (UTF-8, percent-encoded). It is always
// "attachment": an inline file from our origin could be rendered, and so
// run, by the browser.
func ContentDisposition(name string) string {
	name = SafeName(name)
	var b strings.Builder
	b.WriteString(`attachment; filename="`)
	b.WriteString(asciiFallback(name))
	b.WriteString(`"; filename*=UTF-8''`)
	b.WriteString(pctEncode(name))
	return b.String()
}

// asciiFallback keeps printable ASCII, writes '_' for anything else, and
// drops '"' and '\' so the quoted string needs no escapes. '%' becomes '_'
// because RFC 6266 notes some clients percent-decode this parameter.
func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\':
		case r == '%' || r < 0x20 || r > 0x7e:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	if strings.Trim(b.String(), "._ ") == "" {
		return "file"
	}
	return b.String()
}

// pctEncode percent-encodes every byte outside RFC 5987's attr-char set.
func pctEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// SetDownloadHeaders sets the headers for sending a stored file: its type,
// an attachment disposition, and two guards for browsers that would still
// look inside — nosniff (never guess a runnable type from the bytes) and a
// sandboxing CSP (no script even if the file ends up rendered).
func SetDownloadHeaders(h http.Header, contentType, name string) {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", ContentDisposition(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
}
