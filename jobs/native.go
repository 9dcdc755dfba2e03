package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"patchdesk/model"
)

// The PatchDesk catalog format (docs/catalog-format.md): a folder or URL holding index.json,
// which lists every part file with its SHA-256, and the part files, each a JSON object with a
// "bulletins" array of model.CatalogBulletin. An incremental import compares the index's
// digests with the last import's and fetches only the parts that changed.

const (
	// NativeFormat and NativePartFormat name the two kinds of file.
	NativeFormat     = "patchdesk-catalog"
	NativePartFormat = "patchdesk-catalog-part"
	// NativeVersion is the newest format version this PatchDesk reads and writes.
	NativeVersion = 1
	// NativeIndex is the index file's name at the catalog's root.
	NativeIndex = "index.json"

	maxIndexSize  = 8 << 20
	maxIndexFiles = 100000
)

// maxPartSize bounds one part file; a variable so the size-limit test need not read 512 MiB.
var maxPartSize int64 = 512 << 20

// nativeIndex is the catalog's index.
type nativeIndex struct {
	Format    string           `json:"format"`
	Version   int              `json:"version"`
	Generated time.Time        `json:"generated,omitzero"`
	Generator string           `json:"generator,omitempty"`
	Files     []nativeIndexRef `json:"files"`
}

type nativeIndexRef struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Bulletins int    `json:"bulletins,omitempty"`
}

// readNativeIndex parses and checks an index; name is what errors call it.
func readNativeIndex(name string, r io.Reader) (nativeIndex, error) {
	var idx nativeIndex
	data, err := readLimited(r, maxIndexSize)
	if err != nil {
		return idx, fmt.Errorf("%s: %w", name, err)
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return idx, fmt.Errorf("%s: not a PatchDesk catalog index: %w", name, err)
	}
	if idx.Format != NativeFormat {
		return idx, fmt.Errorf("%s: format is %q, want %q", name, idx.Format, NativeFormat)
	}
	if idx.Version < 1 || idx.Version > NativeVersion {
		return idx, fmt.Errorf("%s: catalog format version %d; this PatchDesk reads version 1 to %d", name, idx.Version, NativeVersion)
	}
	if len(idx.Files) > maxIndexFiles {
		return idx, fmt.Errorf("%s: lists %d files, more than %d", name, len(idx.Files), maxIndexFiles)
	}
	seen := map[string]bool{}
	for i, f := range idx.Files {
		if err := checkPartPath(f.Path); err != nil {
			return idx, fmt.Errorf("%s: files[%d].path: %w", name, i, err)
		}
		if seen[f.Path] {
			return idx, fmt.Errorf("%s: files[%d].path %q is listed twice", name, i, f.Path)
		}
		seen[f.Path] = true
		if len(f.SHA256) != 64 || !isHex(f.SHA256) {
			return idx, fmt.Errorf("%s: files[%d].sha256 %q is not 64 hexadecimal digits", name, i, f.SHA256)
		}
		if f.Size < 0 || f.Size > maxPartSize {
			return idx, fmt.Errorf("%s: files[%d].size %d is out of range 0 to %d", name, i, f.Size, maxPartSize)
		}
	}
	return idx, nil
}

// checkPartPath keeps part files inside the catalog: relative, slash-separated, no "..".
func checkPartPath(p string) error {
	switch {
	case p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.Contains(p, ":"):
		return fmt.Errorf("%q must be a relative path with forward slashes", p)
	case path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == "..":
		return fmt.Errorf("%q is not a clean path inside the catalog", p)
	case !strings.HasSuffix(p, ".json"):
		return fmt.Errorf("%q must end in .json", p)
	}
	return nil
}

// readNativePart streams a part file's bulletins, checks them and the file's digest against
// the index. Nothing is returned on any error, so a broken part writes nothing.
func readNativePart(ctx context.Context, name string, r io.Reader, wantSHA string, wantSize int64) ([]model.CatalogBulletin, error) {
	h := sha256.New()
	lr := &limitedReader{r: r, n: maxPartSize}
	dec := json.NewDecoder(io.TeeReader(lr, h))
	fail := func(format string, args ...any) ([]model.CatalogBulletin, error) {
		return nil, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...))
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail("not a JSON object (%v)", errOr(err, "starts with %v", tok))
	}
	var (
		format    string
		version   int
		bulletins []model.CatalogBulletin
		seen      = map[string]bool{}
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("%v", lr.explain(err))
		}
		key, _ := tok.(string)
		switch key {
		case "format":
			if err := dec.Decode(&format); err != nil {
				return fail("format: %v", lr.explain(err))
			}
			if format != NativePartFormat {
				return fail("format is %q, want %q", format, NativePartFormat)
			}
		case "version":
			if err := dec.Decode(&version); err != nil {
				return fail("version: %v", lr.explain(err))
			}
			if version < 1 || version > NativeVersion {
				return fail("part format version %d; this PatchDesk reads version 1 to %d", version, NativeVersion)
			}
		case "bulletins":
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return fail("bulletins: not an array (%v)", errOr(lr.explain(err), "starts with %v", tok))
			}
			for i := 0; dec.More(); i++ {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				var b model.CatalogBulletin
				if err := dec.Decode(&b); err != nil {
					return fail("bulletins[%d]: %v", i, lr.explain(err))
				}
				if err := b.Validate(); err != nil {
					return fail("bulletins[%d]: %v", i, err)
				}
				if seen[b.ID] {
					return fail("bulletins[%d]: bulletin %q appears twice", i, b.ID)
				}
				seen[b.ID] = true
				bulletins = append(bulletins, b)
			}
			if _, err := dec.Token(); err != nil {
				return fail("bulletins: %v", lr.explain(err))
			}
		default:
			var skip json.RawMessage // unknown keys are for newer minor additions
			if err := dec.Decode(&skip); err != nil {
				return fail("%s: %v", key, lr.explain(err))
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return fail("%v", lr.explain(err))
	}
	if format == "" || version == 0 {
		return fail("format and version are required")
	}
	// Drain trailing whitespace so the digest covers the whole file.
	if _, err := io.Copy(h, lr); err != nil {
		return fail("%v", lr.explain(err))
	}
	if wantSHA != "" {
		if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, wantSHA) {
			return fail("SHA-256 is %s but the index says %s (file changed or damaged in transit)", got, strings.ToLower(wantSHA))
		}
	}
	if wantSize > 0 && lr.read != wantSize {
		return fail("is %d bytes but the index says %d", lr.read, wantSize)
	}
	return bulletins, nil
}

func errOr(err error, format string, args ...any) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf(format, args...)
}

// NativePart is one part file of a catalog being written.
type NativePart struct {
	Path      string
	Bulletins []model.CatalogBulletin
}

// WriteNativeCatalog writes a catalog through put (a folder writer in mkcatalog, a buffer in
// tests): every part, then the index with their digests. generated is recorded in the index.
func WriteNativeCatalog(parts []NativePart, generated time.Time, generator string, put func(name string, data []byte) error) error {
	idx := nativeIndex{Format: NativeFormat, Version: NativeVersion, Generated: generated.UTC(), Generator: generator, Files: []nativeIndexRef{}}
	for _, p := range parts {
		if err := checkPartPath(p.Path); err != nil {
			return fmt.Errorf("write catalog part: %w", err)
		}
		for _, b := range p.Bulletins {
			if err := b.Validate(); err != nil {
				return fmt.Errorf("write catalog part %s: %w", p.Path, err)
			}
		}
		data, err := encodePart(p.Bulletins)
		if err != nil {
			return fmt.Errorf("write catalog part %s: %w", p.Path, err)
		}
		if err := put(p.Path, data); err != nil {
			return fmt.Errorf("write catalog part %s: %w", p.Path, err)
		}
		sum := sha256.Sum256(data)
		idx.Files = append(idx.Files, nativeIndexRef{Path: p.Path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), Bulletins: len(p.Bulletins)})
	}
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return fmt.Errorf("write catalog index: %w", err)
	}
	return put(NativeIndex, append(data, '\n'))
}

// encodePart writes one bulletin per line, so diffs of a committed snapshot stay readable.
func encodePart(bs []model.CatalogBulletin) ([]byte, error) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "{\"format\": %q, \"version\": %d, \"bulletins\": [\n", NativePartFormat, NativeVersion)
	for i, b := range bs {
		line, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		sb.Write(line)
		if i < len(bs)-1 {
			sb.WriteByte(',')
		}
		sb.WriteByte('\n')
	}
	sb.WriteString("]}\n")
	return []byte(sb.String()), nil
}

// limitedReader fails (instead of truncating silently like io.LimitReader) once a file passes
// its size limit, so a 2 GB file is refused with a clear message.
type limitedReader struct {
	r    io.Reader
	n    int64
	read int64
}

var errTooLarge = errors.New("file is larger than the limit")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.read >= l.n {
		// Probe one byte: exactly n bytes is fine, n+1 is not.
		var one [1]byte
		k, err := l.r.Read(one[:])
		if k > 0 {
			return 0, fmt.Errorf("%w of %d bytes", errTooLarge, l.n)
		}
		return 0, err
	}
	if int64(len(p)) > l.n-l.read {
		p = p[:l.n-l.read]
	}
	k, err := l.r.Read(p)
	l.read += int64(k)
	return k, err
}

// explain turns an unexpected EOF into the words an administrator needs.
func (l *limitedReader) explain(err error) error {
	// encoding/xml reports a cut-off document as a syntax error mentioning EOF.
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || err != nil && strings.Contains(err.Error(), "unexpected EOF") {
		return fmt.Errorf("file ends early after %d bytes (truncated?): %w", l.read, err)
	}
	return err
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(&limitedReader{r: r, n: limit})
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
