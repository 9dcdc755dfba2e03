// Package echarts ships the ECharts browser script (echarts.min.js) inside the PatchDesk
// binary, so that exported HTML reports open offline and the host serves the script to
// browsers itself instead of pointing them at a CDN.
//
// The script is not committed. `make assets` fetches it from the npm registry into this
// folder, which git ignores apart from this file and README.md; go:embed takes in whatever is
// here at build time. The pattern "*" always matches the committed files, so a fresh clone
// still builds, and Script reports the missing file at run time instead.
package echarts

import (
	"embed"
	"errors"
	"io/fs"
)

//go:embed *
var files embed.FS

// File is the script's name, also the last element of the URL the host serves it at.
const File = "echarts.min.js"

// ErrMissing means the binary was built without the script.
var ErrMissing = errors.New("ECharts script missing: run `make assets` and build again")

// Script returns echarts.min.js.
func Script() ([]byte, error) { return script(files) }

func script(fsys fs.FS) ([]byte, error) {
	b, err := fs.ReadFile(fsys, File)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(b) == 0) {
		return nil, ErrMissing
	}
	return b, err
}
