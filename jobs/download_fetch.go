package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"

	"patchdesk/model"
)

// storeDirs are the package store's folder (To Location) and the staging folder ("" for none).
type storeDirs struct{ root, staging string }

// quarantineDir holds files whose hash was wrong, below the To Location, for an administrator
// to inspect; nothing there is ever served.
const quarantineDir = ".quarantine"

// errMismatch is a complete file whose SHA-256 is not the catalog's.
var errMismatch = errors.New("SHA-256 mismatch")

// fetch brings one package into the store and returns its row as it is to be saved, with the
// outcome. When ctx ends mid-way the row is returned unchanged ("downloading") and the .part
// file stays for the next run to resume.
func (d *Downloader) fetch(ctx context.Context, dirs storeDirs, w model.PackageWork, m *meter) (model.Package, string) {
	p := w.Package
	fail := func(format string, args ...any) (model.Package, string) {
		p.State, p.Error = model.PackageFailed, fmt.Sprintf(format, args...)
		return p, outcomeFailed
	}
	if w.Update == nil {
		return fail("the catalog no longer has this update")
	}
	u := *w.Update
	dir, err := model.PackageDir(u.ID)
	if err != nil {
		return fail("%v", err)
	}
	name, want := model.PackageFileName(u), strings.ToLower(u.SHA256)
	stored := func(name, sum string, size int64, source string) {
		now := d.Now().UTC()
		p.State, p.Error, p.Force = model.PackageDownloaded, "", false
		p.Root, p.RelPath, p.FileName, p.SHA256, p.Size, p.Source = dirs.root, path.Join(dir, name), name, sum, size, source
		p.DownloadedAt, p.VerifiedAt = &now, &now
	}

	if !p.Force && name != "" && want != "" {
		final := filepath.Join(dirs.root, filepath.FromSlash(dir), name)
		if sum, size, err := hashPackageFile(final); err == nil && sum == want {
			source := p.Source
			if source == "" {
				source = model.SourceVendor
			}
			stored(name, sum, size, source)
			return p, outcomePresent
		}
	}

	var stagingNote string
	if dirs.staging != "" {
		staged, err := findStaged(dirs.staging, dir, name)
		if err != nil {
			stagingNote = err.Error()
		}
		if staged != "" {
			sname := name
			if sname == "" {
				sname = filepath.Base(staged)
			}
			final := filepath.Join(dirs.root, filepath.FromSlash(dir), sname)
			sum, size, err := copyToPart(ctx, staged, final+".part", m)
			switch {
			case ctx.Err() != nil:
				return p, ""
			case err != nil:
				stagingNote = fmt.Sprintf("reading %s: %v", staged, err)
			case want != "" && sum != want:
				os.Remove(final + ".part")
				stagingNote = fmt.Sprintf("%s has SHA-256 %s, the catalog says %s: ignored", staged, sum, want)
			default:
				if err := commit(final); err != nil {
					return fail("%v", err)
				}
				stored(sname, sum, size, model.SourceStaging)
				return p, outcomeStaged
			}
			d.Log.Warn("staged package not used", "update", u.ID, "reason", stagingNote)
		}
	}

	where := "the staging location"
	if dirs.staging != "" {
		where = filepath.Join(dirs.staging, filepath.FromSlash(dir))
	}
	switch {
	case u.ManualDownload || u.URL == "":
		msg := fmt.Sprintf("the vendor links a catalog page, not the file: download it from %s and place it in %s", u.URL, where)
		if stagingNote != "" {
			msg += " (" + stagingNote + ")"
		}
		return fail("%s", msg)
	case want == "":
		return fail("the catalog gives no SHA-256 for this file, so a download cannot be verified: place the file in %s", where)
	case name == "":
		return fail("the catalog gives no file name for this update")
	}

	final := filepath.Join(dirs.root, filepath.FromSlash(dir), name)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return fail("create package folder: %v", err)
	}
	var size int64
	size, err = backoff.Retry(ctx, func() (int64, error) {
		p.Attempts++
		return d.getOnce(ctx, u, final+".part", want, m)
	}, backoff.WithBackOff(d.BackOff()), backoff.WithMaxTries(d.MaxTries), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, next time.Duration) {
			d.Log.Warn("package download failed, retrying", "update", u.ID, "err", err, "in", next)
		}))
	switch {
	case ctx.Err() != nil:
		return p, ""
	case errors.Is(err, errMismatch):
		q, qerr := quarantine(dirs.root, dir, name, final+".part", d.Now())
		p.State = model.PackageQuarantined
		p.Error = fmt.Sprintf("%v; the file is quarantined in %s", err, q)
		if qerr != nil {
			p.Error = fmt.Sprintf("%v; quarantining it failed (%v), the partial file was removed", err, qerr)
		}
		d.Log.Error("package quarantined", "update", u.ID, "err", err, "file", q)
		return p, outcomeQuarantined
	case err != nil:
		return fail("%v", err)
	}
	if err := commit(final); err != nil {
		return fail("%v", err)
	}
	stored(name, want, size, model.SourceVendor)
	return p, outcomeDownloaded
}

// getOnce is one attempt: it continues part from where it ends (HTTP Range) and returns the
// complete file's size once its SHA-256 is want. Errors wrapped in backoff.Permanent end the
// retries: a refusal by the vendor, or a wrong file downloaded from the start.
func (d *Downloader) getOnce(ctx context.Context, u model.Update, part, want string, m *meter) (int64, error) {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return 0, backoff.Permanent(fmt.Errorf("open %s: %w", part, err))
	}
	defer f.Close()
	h := sha256.New()
	// The hash must cover the bytes an earlier attempt (or a killed process) left.
	off, err := io.Copy(h, f)
	if err != nil {
		return 0, backoff.Permanent(fmt.Errorf("read %s: %w", part, err))
	}
	// resumed is what this attempt counted as already done; every way out but success takes it
	// back, since the next attempt counts the part file afresh.
	var resumed int64
	undoResume := func() { m.unresume(resumed); resumed = 0 }
	restart := func() error {
		undoResume()
		off = 0
		h.Reset()
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL, nil)
	if err != nil {
		return 0, backoff.Permanent(fmt.Errorf("download %s: %w", u.URL, err))
	}
	if off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
		m.resume(off)
		resumed = off
	}
	resp, err := d.Client.Do(req)
	if err != nil {
		undoResume()
		return 0, fmt.Errorf("download %s: %w", u.URL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK && off > 0:
		// The server ignores Range: start again.
		if err := restart(); err != nil {
			return 0, backoff.Permanent(fmt.Errorf("restart %s: %w", part, err))
		}
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusPartialContent && strings.HasPrefix(resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-", off)):
	case resp.StatusCode == http.StatusPartialContent, resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		// A range we did not ask for, or a partial file longer than the vendor's: start afresh.
		if err := restart(); err != nil {
			return 0, backoff.Permanent(fmt.Errorf("restart %s: %w", part, err))
		}
		return 0, fmt.Errorf("download %s: the server answered %s to a resume; starting again", u.URL, resp.Status)
	default:
		undoResume()
		err := fmt.Errorf("download %s: the server answered %s", u.URL, resp.Status)
		if resp.StatusCode == http.StatusTooManyRequests {
			if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil {
				return 0, backoff.RetryAfter(secs)
			}
		}
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
			return 0, backoff.Permanent(err)
		}
		return 0, err
	}
	expect := int64(0)
	if resp.ContentLength > 0 {
		expect = resp.ContentLength
		m.expect(off + expect)
	}
	var body io.Reader = resp.Body
	if u.Size > 0 {
		// A file longer than the catalog says is wrong whatever its end: stop at one byte over.
		body = io.LimitReader(body, u.Size-off+1)
	}
	wf, err := newWritebackFile(f)
	if err != nil {
		undoResume()
		return 0, backoff.Permanent(fmt.Errorf("write %s: %w", part, err))
	}
	n, copyErr := copyHashed(wf, h, body, m)
	if copyErr != nil {
		// The next attempt counts the part file again when it resumes, and expects again.
		undoResume()
		m.unwind(n, off+expect)
		return 0, fmt.Errorf("download %s: %w", u.URL, copyErr)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("write %s: %w", part, err)
	}
	size := off + n
	if expect > 0 && n != expect {
		undoResume()
		m.unwind(n, off+expect)
		return 0, fmt.Errorf("download %s: got %d of %d bytes", u.URL, n, expect)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		if off > 0 {
			// The part came from an earlier attempt, perhaps of a file the vendor has since
			// replaced: one fresh download decides.
			undoResume()
			m.unwind(n, off+expect)
			if err := f.Truncate(0); err != nil {
				return 0, backoff.Permanent(fmt.Errorf("restart %s: %w", part, err))
			}
			return 0, fmt.Errorf("download %s: resumed file has SHA-256 %s, want %s; starting again", u.URL, got, want)
		}
		return 0, backoff.Permanent(fmt.Errorf("%w: %s has SHA-256 %s, the catalog says %s", errMismatch, u.URL, got, want))
	}
	return size, nil
}

// copyHashed writes src to f, hashing and counting what is written. Hashing runs in its own
// goroutine on the buffers already written, so SHA-256 overlaps the network and the disk instead
// of adding to them (docs/benchmarks.md); a few fixed buffers keep memory flat whatever the size.
func copyHashed(f io.Writer, h io.Writer, src io.Reader, m *meter) (int64, error) {
	const bufSize, buffers = 512 << 10, 4
	free := make(chan []byte, buffers)
	for range buffers {
		free <- make([]byte, bufSize)
	}
	full := make(chan []byte, buffers)
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		for b := range full {
			h.Write(b)
			free <- b[:cap(b)]
		}
	}()
	var n int64
	var err error
	for err == nil {
		buf := <-free
		k, rerr := io.ReadFull(src, buf)
		if k > 0 {
			if _, werr := f.Write(buf[:k]); werr != nil {
				free <- buf
				err = werr
				break
			}
			m.Write(buf[:k])
			n += int64(k)
			full <- buf[:k]
		} else {
			free <- buf
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			rerr = nil
			close(full)
			<-hashed
			return n, nil
		case rerr != nil:
			err = rerr
		}
	}
	close(full)
	<-hashed
	return n, err
}

// findStaged looks for an update's file in the staging location: dir/name, or when the catalog
// gives no name (MSRC links a catalog page), the one file an administrator placed in dir.
func findStaged(staging, dir, name string) (string, error) {
	folder := filepath.Join(staging, filepath.FromSlash(dir))
	if name != "" {
		p := filepath.Join(folder, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
		return "", nil
	}
	entries, err := os.ReadDir(folder)
	if err != nil {
		return "", nil
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), ".part") {
			files = append(files, e.Name())
		}
	}
	switch len(files) {
	case 0:
		return "", nil
	case 1:
		return filepath.Join(folder, files[0]), nil
	}
	return "", fmt.Errorf("%s holds %d files (%s); leave exactly one", folder, len(files), strings.Join(files, ", "))
}

// copyToPart copies a staged file to part, hashing it on the way.
func copyToPart(ctx context.Context, src, part string, m *meter) (string, int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer in.Close()
	if fi, err := in.Stat(); err == nil {
		m.expect(fi.Size())
	}
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return "", 0, err
	}
	out, err := os.Create(part)
	if err != nil {
		return "", 0, err
	}
	defer out.Close()
	h := sha256.New()
	wf, err := newWritebackFile(out)
	var n int64
	if err == nil {
		n, err = copyHashed(wf, h, ctxReader{ctx, in}, m)
	}
	if err == nil {
		err = out.Sync()
	}
	if err != nil {
		os.Remove(part)
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ctxReader stops a long local copy when the job is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// commit moves a verified part file into place; the rename is atomic, so an agent never sees a
// half-written package under its final name.
func commit(final string) error {
	if err := os.Rename(final+".part", final); err != nil {
		return fmt.Errorf("move package into place: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(final)); err == nil {
		dir.Sync() // best effort: makes the rename durable where the platform supports it
		dir.Close()
	}
	return nil
}

// quarantine moves a file with a wrong hash aside and returns where it went.
func quarantine(root, dir, name, file string, now time.Time) (string, error) {
	q := filepath.Join(root, quarantineDir, filepath.FromSlash(dir), name+"."+now.UTC().Format("20060102T150405Z"))
	if err := os.MkdirAll(filepath.Dir(q), 0o755); err != nil {
		os.Remove(file)
		return q, err
	}
	if err := os.Rename(file, q); err != nil {
		os.Remove(file)
		return q, err
	}
	return q, nil
}

// quarantineStored moves a stored package's file aside (see quarantine).
func quarantineStored(p model.Package, now time.Time) (string, error) {
	return quarantine(p.Root, filepath.ToSlash(filepath.Dir(filepath.FromSlash(p.RelPath))), p.FileName, p.FilePath(), now)
}

// hashPackageFile returns a file's SHA-256 and size.
func hashPackageFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 256<<10))
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
