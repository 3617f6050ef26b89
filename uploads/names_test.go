package uploads

import (
	"mime"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("a", 300) + ".pdf"
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Materi Webinar (final).pdf", "Materi Webinar (final).pdf"},
		{"traversal", "../../etc/passwd", "passwd"},
		{"absolute", "/etc/passwd", "passwd"},
		{"windows path", `C:\Users\x\slides.pptx`, "slides.pptx"},
		{"mixed separators", `..\../a\b/c.pdf`, "c.pdf"},
		{"NUL byte", "a\x00b.pdf", "ab.pdf"},
		{"NUL hiding an extension", "report.pdf\x00.exe", "report.pdf.exe"},
		{"CR LF (header injection)", "a\r\nSet-Cookie: x.pdf", "aSet-Cookie: x.pdf"},
		{"tab and DEL", "a\tb\x7f.pdf", "ab.pdf"},
		{"C1 control", "a\u0085b.pdf", "ab.pdf"},
		{"RTL override", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"bidi isolates and marks", "\u2066a\u2069\u200F\u200E\u061Cb.pdf", "ab.pdf"},
		{"line separator", "a\u2028b.pdf", "ab.pdf"},
		{"BOM", "\uFEFFslides.pdf", "slides.pdf"},
		{"invalid UTF-8", "a\xffb\xc3.pdf", "ab.pdf"},
		{"emoji kept", "Laporan 🎉 final.pdf", "Laporan 🎉 final.pdf"},
		{"ZWJ emoji sequence kept", "👨\u200d👩\u200d👧.png", "👨\u200d👩\u200d👧.png"},
		{"non-Latin kept", "Материалы 講義.pptx", "Материалы 講義.pptx"},
		{"trimmed", "  \t slides.pdf \n ", "slides.pdf"},
		{"hidden file kept as data", ".htaccess", ".htaccess"},
		{"300 characters keep the extension", long, strings.Repeat("a", 196) + ".pdf"},
		{"300 multibyte characters", strings.Repeat("é", 300), strings.Repeat("é", 200)},
		{"long name with a long tail is cut plainly", strings.Repeat("b", 250) + "." + strings.Repeat("c", 40), strings.Repeat("b", 200)},
		{"cut does not end in a space", strings.Repeat("d", 195) + strings.Repeat(" ", 10) + "x.pdf", strings.Repeat("d", 195) + ".pdf"},
		{"empty", "", "file"},
		{"dot", ".", "file"},
		{"dot dot", "..", "file"},
		{"dots", "....", "file"},
		{"only a directory", "foo/", "file"},
		{"only separators", `/\/`, "file"},
		{"only controls", "\x00\x01\u202E", "file"},
		{"only spaces", "   ", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SafeName(tt.in)
			if got != tt.want {
				t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := SafeName(got); again != got {
				t.Errorf("SafeName is not idempotent: %q → %q", got, again)
			}
			if !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxNameLen || got == "" {
				t.Errorf("SafeName(%q) = %q: invalid, empty or too long", tt.in, got)
			}
			if strings.ContainsAny(got, `/\`) {
				t.Errorf("SafeName(%q) = %q keeps a separator", tt.in, got)
			}
			for _, r := range got {
				if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
					t.Errorf("SafeName(%q) = %q keeps %U", tt.in, got, r)
				}
			}
		})
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct {
		name, in string
		fallback string // the ASCII filename parameter
		want     string // what filename* decodes to
	}{
		{"ascii", "slides.pdf", "slides.pdf", "slides.pdf"},
		{"spaces and parentheses", "Materi Webinar (final).pdf", "Materi Webinar (final).pdf", "Materi Webinar (final).pdf"},
		{"quote", `a"b.pdf`, "ab.pdf", `a"b.pdf`},
		{"backslash is a separator", `a"b\c.pdf`, "c.pdf", "c.pdf"},
		{"double quotes kept in filename*", `say "hi".pdf`, "say hi.pdf", `say "hi".pdf`},
		{"curly quotes", "Materi “final”.pdf", "Materi _final_.pdf", "Materi “final”.pdf"},
		{"cyrillic", "слайды.pptx", "______.pptx", "слайды.pptx"},
		{"emoji", "🎉 party.png", "_ party.png", "🎉 party.png"},
		{"percent", "100% done.pdf", "100_ done.pdf", "100% done.pdf"},
		{"separators of parameters", "a;b,c=d.pdf", "a;b,c=d.pdf", "a;b,c=d.pdf"},
		{"apostrophe and star", "it's*.pdf", "it's*.pdf", "it's*.pdf"},
		{"header injection", "x.pdf\r\nSet-Cookie: a=b", "x.pdfSet-Cookie: a=b", "x.pdfSet-Cookie: a=b"},
		{"RTL override", "invoice\u202Efdp.exe", "invoicefdp.exe", "invoicefdp.exe"},
		{"traversal", "../../etc/passwd", "passwd", "passwd"},
		{"only non-ASCII", "講義", "file", "講義"},
		{"empty", "", "file", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ContentDisposition(tt.in)
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Fatalf("header value %q contains a line break or NUL", v)
			}
			for i := 0; i < len(v); i++ {
				if v[i] < 0x20 || v[i] > 0x7e {
					t.Fatalf("header value %q is not printable ASCII", v)
				}
			}
			disp, params, err := mime.ParseMediaType(v)
			if err != nil {
				t.Fatalf("ParseMediaType(%q): %v", v, err)
			}
			if disp != "attachment" {
				t.Errorf("disposition %q, want attachment", disp)
			}
			// ParseMediaType puts the decoded filename* under "filename".
			if params["filename"] != tt.want {
				t.Errorf("filename* decodes to %q, want %q", params["filename"], tt.want)
			}
			// Parse again without filename*, as a client that ignores it.
			plain, _, _ := strings.Cut(v, "; filename*=")
			_, params, err = mime.ParseMediaType(plain)
			if err != nil {
				t.Fatalf("ParseMediaType(%q): %v", plain, err)
			}
			if params["filename"] != tt.fallback {
				t.Errorf("fallback filename = %q, want %q", params["filename"], tt.fallback)
			}
		})
	}
}

func TestSetDownloadHeaders(t *testing.T) {
	tests := []struct {
		name, ctype, want string
	}{
		{"stored type", TypePDF, TypePDF},
		{"unknown type", "", "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			SetDownloadHeaders(h, tt.ctype, "slides.pdf")
			if got := h.Get("Content-Type"); got != tt.want {
				t.Errorf("Content-Type = %q, want %q", got, tt.want)
			}
			if got := h.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment;") {
				t.Errorf("Content-Disposition = %q, want an attachment", got)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Error("no sandboxing CSP")
			}
		})
	}
}
