package agentsvc

import (
	"bytes"
	"testing"

	"patchdesk/agentsvc/wire"
)

// FuzzReadInventory feeds the upload decoder arbitrary bodies, plain and as gzip: it must never
// panic, and whatever it accepts must pass validation.
func FuzzReadInventory(f *testing.F) {
	f.Add([]byte(`{"hostname":"PC","os":{"family":"windows","name":"Windows 10 Pro","arch":"x64","build":19045}}`), false)
	f.Add([]byte(`{"hostname":"PC","os":{"family":"linux"},"kbs":["KB1"],"software":[{"name":"a"}]}`), true)
	f.Add([]byte(`{"hostname":"","os":{}}`), false)
	f.Add([]byte(`[]`), true)
	f.Fuzz(func(t *testing.T, body []byte, compress bool) {
		enc := ""
		if compress {
			body, enc = gz(body), "gzip"
		}
		inv, err := readInventory(bytes.NewReader(body), enc)
		if err != nil {
			return
		}
		if err := wire.ValidateInventory(inv); err != nil {
			t.Fatalf("accepted an invalid inventory: %v", err)
		}
		inv.Normalize()
		_ = inv.Digest()
	})
}

// FuzzDecodeRequests checks the small request bodies the same way.
func FuzzDecodeRequests(f *testing.F) {
	f.Add([]byte(`{"inventory_digest":"","agent_version":"1.0"}`))
	f.Add([]byte(`{"token":"a.b","hostname":"PC","os_family":"windows","agent_version":"1"}`))
	f.Add([]byte(`{"events":[{"at":"2024-01-01T00:00:00Z","severity":"info","kind":"scan","message":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var c wire.CheckinRequest
		if decodeStrict(bytes.NewReader(body), &c) == nil {
			_ = c.Validate()
		}
		var e wire.EnrolRequest
		if decodeStrict(bytes.NewReader(body), &e) == nil {
			_ = e.Validate()
		}
		var ev wire.EventsRequest
		if decodeStrict(bytes.NewReader(body), &ev) == nil {
			_ = ev.Validate()
		}
		if _, _, ok := parseCredential(string(body)); ok && bytes.IndexByte(body, '.') < 0 {
			t.Fatalf("parseCredential accepted %q without a dot", body)
		}
	})
}
