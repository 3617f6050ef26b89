package uploads

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/gabriel-vasile/mimetype"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits on a photo's declared dimensions. They are checked on the header
// before any pixel is decoded, because a few KB of PNG can declare an image
// whose pixels would take gigabytes of memory (a decompression bomb).
// 40 megapixels still decode to up to 160 MB, which is the price of
// accepting photos straight from modern phones.
const (
	MaxPhotoSide   = 10000
	MaxPhotoPixels = 40_000_000
	// MaxPhotoOutput bounds the size argument of Photo, since the output is
	// allocated before encoding.
	MaxPhotoOutput = 4096
	photoQuality   = 85
)

// photoDecoders decode each accepted type explicitly, rather than through
// image.Decode, whose registry any imported package can extend (with GIF,
// BMP, …) behind our back.
var photoDecoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	TypeJPEG: {jpeg.DecodeConfig, jpeg.Decode},
	TypePNG:  {png.DecodeConfig, png.Decode},
	TypeWebP: {webp.DecodeConfig, webp.Decode},
}

// Photo reads a JPEG, PNG or WebP (at most max bytes), crops it to a centred
// square and stores it re-encoded as a size×size JPEG. Re-encoding from
// pixels is what strips EXIF/GPS and anything appended to the file; the
// EXIF orientation of a JPEG is applied first, since phones store portraits
// sideways and rely on that tag.
//
// Another type (GIF, SVG, …) gives a *TypeError (ErrType); a file of an
// accepted type that does not decode, or declares more than MaxPhotoSide
// pixels a side or MaxPhotoPixels in all, gives ErrImage.
func (s *Store) Photo(r io.Reader, max int64, size int) (*Saved, error) {
	if max <= 0 {
		return nil, fmt.Errorf("uploads: max must be positive, got %d", max)
	}
	if size <= 0 || size > MaxPhotoOutput {
		return nil, fmt.Errorf("uploads: photo size %d out of range 1..%d", size, MaxPhotoOutput)
	}
	// The whole photo is needed in memory to decode it; max keeps that small.
	data, err := io.ReadAll(io.LimitReader(sourceReader{r}, max+1))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	if int64(len(data)) > max {
		return nil, ErrTooLarge
	}
	detected := bareType(mimetype.Detect(data).String())
	dec, ok := photoDecoders[detected]
	if !ok {
		return nil, &TypeError{Detected: detected}
	}
	cfg, err := dec.config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide ||
		cfg.Width*cfg.Height > MaxPhotoPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels is too large", ErrImage, cfg.Width, cfg.Height)
	}
	img, err := dec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImage, err)
	}
	orientation := 1
	if detected == TypeJPEG {
		orientation = jpegOrientation(data)
	}
	out := orient(squareThumb(img, size), orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, fmt.Errorf("uploads: encoding photo: %w", err)
	}
	return s.write(&buf, int64(buf.Len()), TypeJPEG, ".jpg", nil)
}

// squareThumb scales the centred square of img to size×size. It draws over
// white because JPEG has no alpha: transparent PNG areas would otherwise
// come out black.
func squareThumb(img image.Image, size int) *image.RGBA {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	x0 := b.Min.X + (b.Dx()-side)/2
	y0 := b.Min.Y + (b.Dy()-side)/2
	crop := image.Rect(x0, y0, x0+side, y0+side)
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, crop, draw.Over, nil)
	return dst
}

// orient applies an EXIF orientation (1–8) to a square image. A centred
// square crop commutes with every orientation, so turning the small output
// is the same as turning the original, and far cheaper.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	n := src.Bounds().Dx()
	dst := image.NewRGBA(src.Bounds())
	for y := range n {
		for x := range n {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = n-1-x, y
			case 3: // upside down
				sx, sy = n-1-x, n-1-y
			case 4: // mirrored upside down
				sx, sy = x, n-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs a quarter turn clockwise
				sx, sy = y, n-1-x
			case 7: // transversed
				sx, sy = n-1-y, n-1-x
			case 8: // needs a quarter turn anticlockwise
				sx, sy = n-1-y, x
			}
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return dst
}

// jpegOrientation returns the EXIF orientation tag (0x0112) of a JPEG, or 1
// when there is none or the segment is malformed: a broken tag must never
// make a photo fail, only stay as stored.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	for p := 2; p+4 <= len(data); {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0xFF {
			p++ // standalone marker or fill byte
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // image data: metadata is over
			return 1
		}
		l := int(binary.BigEndian.Uint16(data[p+2:]))
		if l < 2 || p+2+l > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+l]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		p += 2 + l
	}
	return 1
}

// tiffOrientation reads the orientation from the TIFF structure of an EXIF
// segment: byte order, IFD0 offset, then IFD0's 12-byte entries.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	ifd := int64(bo.Uint32(t[4:]))
	if ifd+2 > int64(len(t)) {
		return 1
	}
	count := int64(bo.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + i*12
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
