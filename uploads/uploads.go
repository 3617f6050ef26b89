// Package uploads stores files that users upload — webinar materials and
// speaker photos — so that nothing a user sends can escape the upload
// directory, pose as another type, or be run by a browser.
//
// The rules it enforces, and why:
//   - Files are accepted by the type detected from their content, never by
//     their name, because a name is whatever the client chose to send.
//   - Files are stored under random names; the uploaded name is only data
//     (see SafeName) and goes back to browsers through ContentDisposition,
//     always as an attachment so nothing is rendered inline.
//   - Every write goes to a temporary file in the same directory and is
//     renamed into place only once it is complete and accepted, so a
//     refused, oversized or interrupted upload leaves nothing behind.
//   - Photos are decoded and re-encoded (see Store.Photo), which drops
//     EXIF/GPS and anything else hidden in the original file.
//
// A Store only holds its directory, so it is safe for concurrent use.
package uploads

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
)

// Content types accepted for materials and photos, as detected.
const (
	TypePDF  = "application/pdf"
	TypePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	TypePPT  = "application/vnd.ms-powerpoint"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeODP  = "application/vnd.oasis.opendocument.presentation"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeWebP = "image/webp"
)

// MaterialTypes are the content types accepted for webinar materials. None of
// them is something a browser executes, which is why SVG and HTML are absent
// even though they are common "documents".
var MaterialTypes = []string{TypePDF, TypePPTX, TypePPT, TypeDOCX, TypeXLSX, TypeODP, TypePNG, TypeJPEG}

// PhotoMaxBytes is the size limit for speaker photos.
const PhotoMaxBytes = 5 << 20

var (
	// ErrTooLarge means the upload was longer than the limit (HTTP 413).
	ErrTooLarge = errors.New("uploads: file is too large")
	// ErrType means the detected content type is not accepted; the error is
	// a *TypeError that says what was detected.
	ErrType = errors.New("uploads: file type not accepted")
	// ErrImage means a photo has an accepted type but cannot be decoded, or
	// its dimensions are unreasonable (a decompression bomb).
	ErrImage = errors.New("uploads: image cannot be used")
	// ErrEmpty means the upload had no bytes at all.
	ErrEmpty = errors.New("uploads: file is empty")
	// ErrKey means a key is not one this package generates; it is what a
	// path such as "../x" given to Open or Remove gets.
	ErrKey = errors.New("uploads: invalid key")
)

// TypeError reports a refused content type, so that the UI can say "this
// looks like text/html" rather than just "wrong type".
type TypeError struct {
	// Detected is the bare media type found in the content, without
	// parameters, e.g. "text/html".
	Detected string
	// Macros is set for an Office or OpenDocument file that carries
	// macros (.pptm, .docm, .xlsm, or a renamed one; an .odp with Basic or
	// scripts): code that would run on the reader's machine.
	Macros bool
}

func (e *TypeError) Error() string {
	return "uploads: file type " + e.Detected + " not accepted"
}

// Is makes errors.Is(err, ErrType) true for every *TypeError.
func (e *TypeError) Is(target error) bool { return target == ErrType }

// Saved describes a stored file.
type Saved struct {
	// Key is the generated file name: 32 hex characters plus the extension
	// of the detected type, e.g. "3f2a…9c.pdf".
	Key         string
	ContentType string
	Size        int64
	// SHA256 is the hex digest of the stored bytes, e.g. to spot duplicates.
	SHA256 string
}

// Store keeps files in one directory under random names.
type Store struct {
	dir string
}

const (
	// tmpPrefix starts with a dot so that a temporary file can never match
	// the key shape, and so can never be opened through Open.
	tmpPrefix = ".upload-"
	// staleAfter is how old a temporary file must be before NewStore deletes
	// it: old enough that no upload can still be writing it, since other
	// Stores (or processes) may share the directory.
	staleAfter = time.Hour
	// sniffLen is how much mimetype looks at (its default read limit).
	sniffLen  = 4096
	keyHexLen = 32
)

// NewStore returns a Store for dir, creating it (0o750) if missing. It also
// deletes temporary files left by a process that died mid-upload, which
// cannot clean up after itself.
func NewStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("uploads: empty directory")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	s := &Store{dir: dir}
	s.sweep(time.Now().Add(-staleAfter))
	return s, nil
}

// sweep removes temporary files last modified before cutoff. It is best
// effort: a failure only leaves a stale file for the next start.
func (s *Store) sweep(cutoff time.Time) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// Save reads r (at most max bytes), detects the type from the content,
// refuses types not in allowed (nil means MaterialTypes) and stores the file
// under a generated name.
//
// The type is decided on the first bytes, before anything is written, so a
// refused file costs no disk. The rest goes to a temporary file that is
// renamed only when everything succeeded: an oversized file, a refused type
// or a read error (a client that disconnects mid-way makes r fail, often
// with io.ErrUnexpectedEOF) leaves nothing behind.
func (s *Store) Save(r io.Reader, max int64, allowed []string) (*Saved, error) {
	if max <= 0 {
		return nil, fmt.Errorf("uploads: max must be positive, got %d", max)
	}
	if allowed == nil {
		allowed = MaterialTypes
	}
	head, err := readHead(r, int(min(sniffLen, max+1)))
	if err != nil {
		return nil, err
	}
	if len(head) == 0 {
		return nil, ErrEmpty
	}
	if int64(len(head)) > max {
		return nil, ErrTooLarge
	}
	ctype, ext, err := classify(head, allowed)
	if err != nil {
		return nil, err
	}
	var check func(*os.File, int64) (string, string, error)
	switch {
	case ext == "" || isOOXML(ctype):
		// An unsettled zip (see classify): mimetype only looks at the
		// first 4 KB, where an Office file's folders may not appear yet;
		// the zip's central directory, at the end, settles it once the
		// whole file is on disk. An Office file settled early is read
		// whole too, for macros.
		check = func(f *os.File, size int64) (string, string, error) {
			return classifyZip(f, size, allowed)
		}
	case ctype == TypeODP:
		check = func(f *os.File, size int64) (string, string, error) {
			return ctype, ext, odfMacros(f, size)
		}
	}
	return s.write(io.MultiReader(bytes.NewReader(head), sourceReader{r}), max, ctype, ext, check)
}

// sourceReader labels the upload's own read errors, so that write can tell
// them from errors writing the disk.
type sourceReader struct{ r io.Reader }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError(err)
	}
	return n, err
}

// readHead reads up to n bytes. Unlike io.ReadFull it tells a short file
// (io.EOF, fine) from a reader that fails, even when the failure is
// io.ErrUnexpectedEOF, which is what an interrupted multipart body returns.
func readHead(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	got := 0
	for got < n {
		m, err := r.Read(buf[got:])
		got += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
	}
	return buf[:got], nil
}

// readError turns http.MaxBytesReader's error into ErrTooLarge, so handlers
// that cap the request body get the same answer as Save's own limit.
func readError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return ErrTooLarge
	}
	return fmt.Errorf("uploads: reading upload: %w", err)
}

// runnable are types a browser may execute or render as a page. They are
// refused even if a caller lists them, because serving them from our origin
// would be stored XSS.
var runnable = []string{"text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript", "application/javascript", "text/xml", "application/xml"}

// classify returns the content type and key extension for head, or a
// *TypeError. It returns "application/zip" with no extension when the final
// answer needs the whole file (see classifyZip).
func classify(head []byte, allowed []string) (ctype, ext string, err error) {
	m := mimetype.Detect(head)
	detected := bareType(m.String())
	if slices.ContainsFunc(runnable, m.Is) {
		return "", "", &TypeError{Detected: detected}
	}
	if m.Is(TypePDF) && !bytes.HasPrefix(head, []byte("%PDF-")) {
		// mimetype accepts "%PDF-" anywhere in the first KB, as readers
		// do, so an HTML page with that string in a comment passes as PDF.
		// Real PDFs start with it; report what the content really is.
		return "", "", &TypeError{Detected: bareType(http.DetectContentType(head))}
	}
	if slices.ContainsFunc(allowed, m.Is) {
		return detected, extension(m), nil
	}
	if m.Is("application/zip") && slices.ContainsFunc(allowed, isOOXML) {
		return "application/zip", "", nil
	}
	return "", "", &TypeError{Detected: detected}
}

// ooxml maps the top folder of an Office Open XML package to its type, as
// mimetype does for the entries it sees.
var ooxml = []struct{ dir, ctype, ext, macroType string }{
	{"word/", TypeDOCX, ".docx", "application/vnd.ms-word.document.macroEnabled.12"},
	{"ppt/", TypePPTX, ".pptx", "application/vnd.ms-powerpoint.presentation.macroEnabled.12"},
	{"xl/", TypeXLSX, ".xlsx", "application/vnd.ms-excel.sheet.macroEnabled.12"},
}

func isOOXML(t string) bool {
	t = bareType(t)
	return t == TypeDOCX || t == TypePPTX || t == TypeXLSX
}

// classifyZip tells which Office Open XML type a zip is by its central
// directory: "[Content_Types].xml" plus a word/, ppt/ or xl/ entry. Anything
// else is a plain zip, which is refused, and so is an Office file with
// macros, whatever its name.
func classifyZip(f *os.File, size int64, allowed []string) (string, string, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return "", "", &TypeError{Detected: "application/zip"}
	}
	i := slices.IndexFunc(zr.File, func(e *zip.File) bool { return e.Name == "[Content_Types].xml" })
	if i < 0 {
		return "", "", &TypeError{Detected: "application/zip"}
	}
	for _, e := range zr.File {
		for _, o := range ooxml {
			if !strings.HasPrefix(e.Name, o.dir) {
				continue
			}
			if hasMacros(zr, zr.File[i]) {
				return "", "", &TypeError{Detected: o.macroType, Macros: true}
			}
			if !slices.ContainsFunc(allowed, func(a string) bool { return bareType(a) == o.ctype }) {
				return "", "", &TypeError{Detected: o.ctype}
			}
			return o.ctype, o.ext, nil
		}
	}
	return "", "", &TypeError{Detected: "application/zip"}
}

// odfMacros refuses an OpenDocument file that carries macros or scripts:
// LibreOffice keeps Basic modules under Basic/ and other scripts under
// Scripts/.
func odfMacros(f *os.File, size int64) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return &TypeError{Detected: "application/zip"}
	}
	for _, e := range zr.File {
		if strings.HasPrefix(e.Name, "Basic/") || strings.HasPrefix(e.Name, "Scripts/") {
			return &TypeError{Detected: TypeODP, Macros: true}
		}
	}
	return nil
}

// hasMacros tells whether an Office package carries a VBA project: its
// part list declares a macro-enabled main part or a vbaProject, or it
// holds a vbaProject.bin. An unreadable part list counts as macros.
func hasMacros(zr *zip.Reader, types *zip.File) bool {
	if slices.ContainsFunc(zr.File, func(e *zip.File) bool { return strings.EqualFold(path.Base(e.Name), "vbaProject.bin") }) {
		return true
	}
	rc, err := types.Open()
	if err != nil {
		return true
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return true
	}
	s := strings.ToLower(string(b))
	return strings.Contains(s, "macroenabled") || strings.Contains(s, "vbaproject") || strings.Contains(s, "macrosheet")
}

// bareType drops parameters such as "; charset=utf-8".
func bareType(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	t, _, _ = strings.Cut(t, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// extension is the key extension for a detected type; ".bin" when mimetype
// knows none, so every key has the same shape.
func extension(m *mimetype.MIME) string {
	if e := m.Extension(); validExt(e) {
		return e
	}
	return ".bin"
}

// write copies src (at most max bytes) to a temporary file, lets check
// revise the type once the file is complete, and renames the file to its
// key. On any error the temporary file is removed.
func (s *Store) write(src io.Reader, max int64, ctype, ext string, check func(*os.File, int64) (string, string, error)) (saved *Saved, err error) {
	tmp, err := os.CreateTemp(s.dir, tmpPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(src, max+1))
	if err != nil {
		return nil, err // already labelled by sourceReader, or a disk error naming the file
	}
	if n > max {
		return nil, ErrTooLarge
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	if check != nil {
		if ctype, ext, err = check(tmp, n); err != nil {
			return nil, err
		}
	}
	// Sync before the rename, so a crash cannot leave a key whose content
	// never reached the disk.
	if err = tmp.Sync(); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	key, err := newKey(ext)
	if err != nil {
		return nil, err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(s.dir, key)); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	return &Saved{Key: key, ContentType: ctype, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// newKey returns 128 random bits in hex plus ext: unguessable, so one
// user's file cannot be found by counting, and collision-free in practice.
func newKey(ext string) (string, error) {
	var b [keyHexLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("uploads: %w", err)
	}
	return hex.EncodeToString(b[:]) + ext, nil
}

// ValidKey reports whether key has exactly the shape newKey produces:
// 32 lowercase hex digits, a dot and 1–8 lowercase letters or digits. That
// shape has no separators and no "..", so it cannot leave the directory.
func ValidKey(key string) bool {
	if len(key) < keyHexLen+2 {
		return false
	}
	for i := range keyHexLen {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return validExt(key[keyHexLen:])
}

func validExt(ext string) bool {
	if len(ext) < 2 || len(ext) > 9 || ext[0] != '.' {
		return false
	}
	for i := 1; i < len(ext); i++ {
		c := ext[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// Open opens the stored file key for reading. Keys not of the generated
// shape are refused with ErrKey; a missing file gives an fs.ErrNotExist
// error.
func (s *Store) Open(key string) (*os.File, error) {
	if !ValidKey(key) {
		return nil, ErrKey
	}
	return os.Open(filepath.Join(s.dir, key))
}

// Remove deletes the stored file key. Keys not of the generated shape are
// refused with ErrKey; a missing file gives an fs.ErrNotExist error.
func (s *Store) Remove(key string) error {
	if !ValidKey(key) {
		return ErrKey
	}
	return os.Remove(filepath.Join(s.dir, key))
}
