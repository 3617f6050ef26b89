package uploads

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gabriel-vasile/mimetype"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := NewStore(filepath.Join(t.TempDir(), "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dirNames lists every entry in the store's directory, hidden ones too, so
// a leftover temporary file cannot go unnoticed.
func dirNames(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestDetected records what mimetype itself says about each test file, so
// that a mimetype upgrade that changes an answer shows up here first.
func TestDetected(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", pdfFile(t), "application/pdf"},
		{"pptx", ooxmlFile(t, "ppt/", "presentation.xml", 0), TypePPTX},
		{"docx", ooxmlFile(t, "word/", "document.xml", 0), TypeDOCX},
		{"xlsx", ooxmlFile(t, "xl/", "workbook.xml", 0), TypeXLSX},
		{"pptx with folder past 4 KB", ooxmlFile(t, "ppt/", "presentation.xml", 5000), "application/zip"},
		{"odp", odpFile(t), TypeODP},
		{"ppt", cfbFile("PowerPoint Document"), TypePPT},
		{"doc", cfbFile("WordDocument"), "application/msword"},
		{"bare compound file", cfbFile(""), "application/x-ole-storage"},
		{"OLE magic only", append(append([]byte{}, oleMagic...), make([]byte, 600)...), "application/x-ole-storage"},
		{"plain zip", plainZip(t), "application/zip"},
		{"png", pngFile(t, twoColours(8, 8)), "image/png"},
		{"jpeg", jpegFile(t, twoColours(8, 8)), "image/jpeg"},
		{"jpeg with exif", withExif(t, jpegFile(t, twoColours(8, 8)), 6), "image/jpeg"},
		{"webp", webpLossless, "image/webp"},
		{"gif", gifFile(t), "image/gif"},
		{"html", []byte(htmlPage), "text/html; charset=utf-8"},
		{"html hiding %PDF-", []byte(htmlPDF), "application/pdf"},
		{"svg", []byte(svgImage), "image/svg+xml"},
		{"js", []byte(jsFile), "text/plain; charset=utf-8"},
		{"js with node shebang", []byte(jsNode), "text/javascript"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mimetype.Detect(tt.data).String(); got != tt.want {
				t.Errorf("mimetype.Detect = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSave(t *testing.T) {
	pdf := pdfFile(t)
	tests := []struct {
		name     string
		data     []byte
		allowed  []string
		wantType string // accepted with this type and extension
		wantExt  string
		refused  string // or refused as ErrType, having detected this
	}{
		{name: "pdf", data: pdf, wantType: TypePDF, wantExt: ".pdf"},
		{name: "pptx", data: ooxmlFile(t, "ppt/", "presentation.xml", 0), wantType: TypePPTX, wantExt: ".pptx"},
		{name: "docx", data: ooxmlFile(t, "word/", "document.xml", 0), wantType: TypeDOCX, wantExt: ".docx"},
		{name: "xlsx", data: ooxmlFile(t, "xl/", "workbook.xml", 0), wantType: TypeXLSX, wantExt: ".xlsx"},
		{name: "pptx with folder past 4 KB", data: ooxmlFile(t, "ppt/", "presentation.xml", 5000), wantType: TypePPTX, wantExt: ".pptx"},
		{name: "odp", data: odpFile(t), wantType: TypeODP, wantExt: ".odp"},
		{name: "ppt", data: cfbFile("PowerPoint Document"), wantType: TypePPT, wantExt: ".ppt"},
		{name: "png", data: pngFile(t, twoColours(8, 8)), wantType: TypePNG, wantExt: ".png"},
		{name: "jpeg", data: jpegFile(t, twoColours(8, 8)), wantType: TypeJPEG, wantExt: ".jpg"},
		{name: "zip when a caller allows zip", data: plainZip(t), allowed: []string{"application/zip"}, wantType: "application/zip", wantExt: ".zip"},
		{name: "png when only png allowed", data: pngFile(t, twoColours(8, 8)), allowed: []string{TypePNG}, wantType: TypePNG, wantExt: ".png"},

		{name: "html named .pdf", data: []byte(htmlPage), refused: "text/html"},
		{name: "html hiding %PDF- in a comment", data: []byte(htmlPDF), refused: "text/html"},
		{name: "svg", data: []byte(svgImage), refused: "image/svg+xml"},
		{name: "js", data: []byte(jsFile), refused: "text/plain"},
		{name: "js with node shebang", data: []byte(jsNode), refused: "text/javascript"},
		{name: "gif", data: gifFile(t), refused: "image/gif"},
		{name: "webp is no material", data: webpLossless, refused: "image/webp"},
		{name: "doc", data: cfbFile("WordDocument"), refused: "application/msword"},
		{name: "compound file that is no ppt", data: cfbFile(""), refused: "application/x-ole-storage"},
		{name: "plain zip", data: plainZip(t), refused: "application/zip"},
		{name: "plain zip past 4 KB", data: append(plainZip(t), make([]byte, 5000)...), refused: "application/zip"},
		{name: "pdf when only png allowed", data: pdf, allowed: []string{TypePNG}, refused: "application/pdf"},
		{name: "docx past 4 KB when only pptx allowed", data: ooxmlFile(t, "word/", "document.xml", 5000), allowed: []string{TypePPTX}, refused: TypeDOCX},
		{name: "pptm (macro-enabled main part)", data: ooxmlWith(t, "ppt/", "presentation.xml", 0,
			`<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"/>`, nil),
			refused: "application/vnd.ms-powerpoint.presentation.macroEnabled.12"},
		{name: "docm renamed .docx (vbaProject.bin)", data: ooxmlWith(t, "word/", "document.xml", 0, "", map[string]string{"word/vbaProject.bin": "VBA"}),
			refused: "application/vnd.ms-word.document.macroEnabled.12"},
		{name: "xlsm past 4 KB", data: ooxmlWith(t, "xl/", "workbook.xml", 5000,
			`<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>`, nil),
			refused: "application/vnd.ms-excel.sheet.macroEnabled.12"},
		{name: "odp with a Basic macro", data: odpFile(t, "Basic/Standard/Module1.xml"), refused: TypeODP},
		{name: "odp with a Python script", data: odpFile(t, "Scripts/python/run.py"), refused: TypeODP},
		{name: "xlsx with an Excel 4.0 macro sheet", data: ooxmlWith(t, "xl/", "workbook.xml", 0,
			`<Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/>`, nil),
			refused: "application/vnd.ms-excel.sheet.macroEnabled.12"},
		{name: "html even when a caller allows it", data: []byte(htmlPage), allowed: []string{"text/html"}, refused: "text/html"},
		{name: "svg even when a caller allows it", data: []byte(svgImage), allowed: []string{"image/svg+xml"}, refused: "image/svg+xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			saved, err := s.Save(bytes.NewReader(tt.data), 1<<20, tt.allowed)
			if tt.refused != "" {
				if !errors.Is(err, ErrType) {
					t.Fatalf("Save err = %v, want ErrType", err)
				}
				te, ok := errors.AsType[*TypeError](err)
				if !ok || te.Detected != tt.refused {
					t.Errorf("Save err = %#v, want detected %q", err, tt.refused)
				}
				if names := dirNames(t, s); len(names) != 0 {
					t.Errorf("refused file left %v", names)
				}
				return
			}
			if err != nil {
				t.Fatalf("Save: %v", err)
			}
			if saved.ContentType != tt.wantType {
				t.Errorf("ContentType = %q, want %q", saved.ContentType, tt.wantType)
			}
			if !ValidKey(saved.Key) || filepath.Ext(saved.Key) != tt.wantExt {
				t.Errorf("Key = %q, want 32 hex + %q", saved.Key, tt.wantExt)
			}
			sum := sha256.Sum256(tt.data)
			if saved.Size != int64(len(tt.data)) || saved.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Size, SHA256 = %d, %s; want %d, %x", saved.Size, saved.SHA256, len(tt.data), sum)
			}
			if names := dirNames(t, s); len(names) != 1 || names[0] != saved.Key {
				t.Errorf("directory holds %v, want only %s", names, saved.Key)
			}
			f, err := s.Open(saved.Key)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, _ := io.ReadAll(f)
			if !bytes.Equal(got, tt.data) {
				t.Error("stored content differs from upload")
			}
		})
	}
}

// TestSaveFailures checks every way an upload can fail, and above all that
// no failure leaves a file, temporary or not, in the directory.
func TestSaveFailures(t *testing.T) {
	pdf := pdfFile(t)
	big := append(append([]byte{}, pdf...), bytes.Repeat([]byte("% padding\n"), 2000)...)
	tests := []struct {
		name string
		r    func() io.Reader
		max  int64
		want error
	}{
		{"empty", func() io.Reader { return bytes.NewReader(nil) }, 1 << 20, ErrEmpty},
		{"one byte over a small max", func() io.Reader { return bytes.NewReader(pdf) }, int64(len(pdf) - 1), ErrTooLarge},
		{"over max after the first 4 KB", func() io.Reader { return bytes.NewReader(big) }, int64(len(big) - 1), ErrTooLarge},
		{"endless stream", func() io.Reader { return io.MultiReader(bytes.NewReader(pdf), infinite{}) }, 64 << 10, ErrTooLarge},
		{"http.MaxBytesReader limit", func() io.Reader {
			return http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(big)), 5000)
		}, 1 << 20, ErrTooLarge},
		{"interrupted in the first 4 KB", func() io.Reader {
			return &failingReader{data: pdf[:100], err: io.ErrUnexpectedEOF}
		}, 1 << 20, io.ErrUnexpectedEOF},
		{"interrupted half-way", func() io.Reader {
			return &failingReader{data: big[:len(big)/2], err: io.ErrUnexpectedEOF}
		}, 1 << 20, io.ErrUnexpectedEOF},
		{"connection reset", func() io.Reader {
			return &failingReader{data: big[:len(big)/2], err: errors.New("connection reset by peer")}
		}, 1 << 20, nil},
		{"interrupted zip, checked at the end", func() io.Reader {
			z := ooxmlFile(t, "ppt/", "presentation.xml", 5000)
			return &failingReader{data: z[:len(z)-10], err: io.ErrUnexpectedEOF}
		}, 1 << 20, io.ErrUnexpectedEOF},
		{"truncated zip, checked at the end", func() io.Reader {
			z := ooxmlFile(t, "ppt/", "presentation.xml", 5000)
			return bytes.NewReader(z[:len(z)-10])
		}, 1 << 20, ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			saved, err := s.Save(tt.r(), tt.max, nil)
			if err == nil {
				t.Fatalf("Save = %+v, want an error", saved)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Save err = %v, want %v", err, tt.want)
			}
			if names := dirNames(t, s); len(names) != 0 {
				t.Errorf("failed upload left %v", names)
			}
		})
	}
}

type infinite struct{}

func (infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestSaveExactlyMax(t *testing.T) {
	s := newStore(t)
	pdf := pdfFile(t)
	saved, err := s.Save(bytes.NewReader(pdf), int64(len(pdf)), nil)
	if err != nil {
		t.Fatalf("a file of exactly max bytes: %v", err)
	}
	if saved.Size != int64(len(pdf)) {
		t.Errorf("Size = %d, want %d", saved.Size, len(pdf))
	}
}

func TestSaveBadMax(t *testing.T) {
	s := newStore(t)
	for _, max := range []int64{0, -1} {
		if _, err := s.Save(bytes.NewReader(pdfFile(t)), max, nil); err == nil {
			t.Errorf("Save with max %d succeeded", max)
		}
	}
}

func TestSaveConcurrent(t *testing.T) {
	s := newStore(t)
	pdf := pdfFile(t)
	const n = 16
	keys := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			saved, err := s.Save(bytes.NewReader(pdf), 1<<20, nil)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = saved.Key
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("key %s given twice", k)
		}
		seen[k] = true
	}
	if got := len(dirNames(t, s)); got != n {
		t.Errorf("directory holds %d files, want %d", got, n)
	}
}

func TestOpenRemoveKeys(t *testing.T) {
	s := newStore(t)
	saved, err := s.Save(bytes.NewReader(pdfFile(t)), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A file next to the store that a traversal would reach.
	secret := filepath.Join(filepath.Dir(s.dir), "secret.txt")
	if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	hex32 := strings.Repeat("a", 32)
	bad := []string{
		"",
		".",
		"..",
		"../secret.txt",
		"../../etc/passwd",
		"/etc/passwd",
		secret,
		hex32,
		hex32 + ".",
		hex32 + ".PDF",
		strings.Repeat("A", 32) + ".pdf",
		hex32 + "/.pdf",
		hex32 + ".pdf/",
		hex32 + `.p\f`,
		hex32 + ".pdf\x00",
		hex32 + ".toolongext",
		strings.Repeat("a", 31) + ".pdf",
		"../" + saved.Key,
		"./" + saved.Key,
		".upload-123",
		saved.Key + "\n",
	}
	for _, key := range bad {
		t.Run("refuse "+key, func(t *testing.T) {
			if f, err := s.Open(key); !errors.Is(err, ErrKey) {
				if f != nil {
					f.Close()
				}
				t.Errorf("Open(%q) err = %v, want ErrKey", key, err)
			}
			if err := s.Remove(key); !errors.Is(err, ErrKey) {
				t.Errorf("Remove(%q) err = %v, want ErrKey", key, err)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if _, err := s.Open(hex32 + ".pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open of a missing key: %v, want fs.ErrNotExist", err)
		}
		if err := s.Remove(hex32 + ".pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Remove of a missing key: %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("open and remove", func(t *testing.T) {
		f, err := s.Open(saved.Key)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		if err := s.Remove(saved.Key); err != nil {
			t.Fatal(err)
		}
		if names := dirNames(t, s); len(names) != 0 {
			t.Errorf("after Remove the directory holds %v", names)
		}
	})
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("file outside the store touched: %v", err)
	}
}

func TestNewStore(t *testing.T) {
	t.Run("creates the directory 0o750", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "uploads")
		s, err := NewStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(s.dir)
		if err != nil || !info.IsDir() {
			t.Fatalf("Stat: %v", err)
		}
		if perm := info.Mode().Perm(); perm&^0o750 != 0 {
			t.Errorf("mode %v, want at most 0o750", perm)
		}
	})
	t.Run("empty directory name", func(t *testing.T) {
		if _, err := NewStore(""); err == nil {
			t.Error("NewStore(\"\") succeeded")
		}
	})
	t.Run("sweeps stale temporary files only", func(t *testing.T) {
		dir := t.TempDir()
		write := func(name string, age time.Duration) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-age)
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		kept := strings.Repeat("b", 32) + ".pdf"
		write(tmpPrefix+"stale", 2*time.Hour)
		write(tmpPrefix+"in-progress", time.Minute)
		write(kept, 48*time.Hour)
		s, err := NewStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(dirNames(t, s), " ")
		if want := tmpPrefix + "in-progress " + kept; got != want {
			t.Errorf("after NewStore: %q, want %q", got, want)
		}
	})
}

func TestTypeErrorMessage(t *testing.T) {
	err := error(&TypeError{Detected: "text/html"})
	if !strings.Contains(err.Error(), "text/html") {
		t.Errorf("message %q does not say what was detected", err)
	}
	if errors.Is(err, ErrImage) || errors.Is(err, ErrTooLarge) {
		t.Error("TypeError matches an unrelated sentinel")
	}
}
