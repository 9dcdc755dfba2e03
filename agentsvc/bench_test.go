package agentsvc

import (
	"context"
	"fmt"
	"testing"
	"time"

	"patchdesk/agentsvc/agent"
	"patchdesk/agentsvc/wire"
)

// BenchmarkCheckin measures unchanged check-ins through TLS and the whole handler on 127.0.0.1,
// client and host in one process as checkin-limit has them; docs/benchmarks.md has the
// multi-process figures from `patchagent simulate`.
func BenchmarkCheckin(b *testing.B) {
	_, clients := benchHost(b, 64)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		for pb.Next() {
			if _, err := c.Checkin(context.Background(), wire.CheckinRequest{AgentVersion: "1.0"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInventoryUpload measures changed inventories: decode, validate, digest, compress and a
// group commit before the acknowledgement.
func BenchmarkInventoryUpload(b *testing.B) {
	_, clients := benchHost(b, 64)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := <-clients
		n := 0
		for pb.Next() {
			n++
			inv := windows10("PC", n)
			if _, err := c.UploadInventory(context.Background(), &inv); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchHost(b *testing.B, n int) (*host, chan *agent.Client) {
	h := startHostTB(b, Options{})
	info, err := CreateToken(context.Background(), h.store, h.src, h.dir, TokenRequest{Uses: n, Expires: time.Hour, URLs: []string{h.url}})
	if err != nil {
		b.Fatal(err)
	}
	tok, _ := wire.ParseToken(info.Token)
	hc := agent.NewHTTPClient(h.fp, n)
	clients := make(chan *agent.Client, n)
	for i := 0; i < n; i++ {
		c := agent.NewClient([]string{h.url}, h.fp, hc)
		if _, err := c.Enrol(context.Background(), wire.EnrolRequest{Token: tok.EnrolSecret(), Hostname: fmt.Sprintf("PC-%d", i), OSFamily: "windows"}); err != nil {
			b.Fatal(err)
		}
		clients <- c
	}
	return h, clients
}
