package jobs

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"patchdesk/model"
)

type fakeWakeStore struct {
	policies  []model.WakePolicy
	computers map[uint][]model.ComputerMACs
}

func (f *fakeWakeStore) WakePolicies(context.Context) ([]model.WakePolicy, error) {
	return f.policies, nil
}
func (f *fakeWakeStore) PolicyComputerMACs(_ context.Context, id uint) ([]model.ComputerMACs, error) {
	return f.computers[id], nil
}

func TestMagicPacket(t *testing.T) {
	p, err := MagicPacket("00:15:5d:01:02:03")
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte{0xff}, 6)
	for range 16 {
		want = append(want, 0x00, 0x15, 0x5d, 0x01, 0x02, 0x03)
	}
	if !bytes.Equal(p, want) {
		t.Errorf("MagicPacket = %x, want %x", p, want)
	}
	for _, bad := range []string{"", "00:15:5d", "00:00:5e:10:00:00:00:01", "zz:15:5d:01:02:03"} {
		if _, err := MagicPacket(bad); err == nil {
			t.Errorf("MagicPacket(%q) accepted", bad)
		}
	}
}

// TestWakerSendsWhenDue sends real packets to a UDP listener on 127.0.0.1: an ASAP policy wakes
// its computers once per revision, a scheduled one five minutes before its run time.
func TestWakerSendsWhenDue(t *testing.T) {
	ln, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	start := time.Date(2025, 7, 9, 21, 50, 0, 0, time.Local)
	clock := clockwork.NewFakeClockAt(start)
	store := &fakeWakeStore{
		policies: []model.WakePolicy{
			{ID: 1, Name: "asap", Run: model.PolicyRunASAP, Revision: 1, UpdatedAt: start.Add(-time.Hour)},
			{ID: 2, Name: "nightly", Run: model.PolicyRunSchedule, Schedule: "daily 22:00", Revision: 1, UpdatedAt: start.Add(-48 * time.Hour)},
			{ID: 3, Name: "old asap", Run: model.PolicyRunASAP, Revision: 4, UpdatedAt: start.Add(-30 * 24 * time.Hour)},
		},
		computers: map[uint][]model.ComputerMACs{
			1: {{ID: 1, Name: "PC-1", MACs: []string{"00:15:5d:01:02:03", "00:15:5d:01:02:04"}}, {ID: 2, Name: "PC-NEW"}},
			2: {{ID: 3, Name: "PC-3", MACs: []string{"00:15:5d:0a:0b:0c"}}},
			3: {{ID: 4, Name: "PC-4", MACs: []string{"00:15:5d:ff:ff:ff"}}},
		},
	}
	w := &Waker{Store: store, Dest: ln.LocalAddr().String(), Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tests := []struct {
		name    string
		advance time.Duration
		bump    bool // a new revision of the ASAP policy
		packets int
		macs    []string // last byte of each packet's MAC, in order
	}{
		{"first check: the recent ASAP policy, not the old one", 0, false, 2, []string{"03", "04"}},
		{"nothing new a minute later", time.Minute, false, 0, nil},
		{"five minutes before 22:00 the nightly policy", 4 * time.Minute, false, 1, []string{"0c"}},
		{"not again at 22:00", 5 * time.Minute, false, 0, nil},
		{"a new revision of the ASAP policy wakes again", time.Minute, true, 2, []string{"03", "04"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock.Advance(tt.advance)
			if tt.bump {
				store.policies[0].Revision++
				store.policies[0].UpdatedAt = clock.Now()
			}
			res, err := w.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Packets != tt.packets {
				t.Fatalf("packets = %d, want %d (%+v)", res.Packets, tt.packets, res)
			}
			for _, last := range tt.macs {
				buf := make([]byte, 200)
				ln.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, _, err := ln.ReadFrom(buf)
				if err != nil {
					t.Fatalf("read packet: %v", err)
				}
				if n != 102 || !bytes.Equal(buf[:6], bytes.Repeat([]byte{0xff}, 6)) {
					t.Fatalf("packet of %d bytes: %x", n, buf[:n])
				}
				if got := net.HardwareAddr(buf[6:12]).String(); got[len(got)-2:] != last {
					t.Errorf("packet for %s, want one ending in %s", got, last)
				}
			}
		})
	}
}
