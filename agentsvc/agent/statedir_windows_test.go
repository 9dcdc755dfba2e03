//go:build windows

package agent

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

func TestPrivateDirIsClosedToUsers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	for range 2 { // creating and re-applying
		if err := privateDir(dir); err != nil {
			t.Fatal(err)
		}
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	control, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	if control&windows.SE_DACL_PROTECTED == 0 {
		t.Errorf("the DACL inherits from the parent: %s", sd)
	}
	sddl := sd.String()
	for _, want := range []string{"(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)"} {
		if !strings.Contains(sddl, want) {
			t.Errorf("DACL %s lacks %s", sddl, want)
		}
	}
	for _, other := range []string{";;;BU)", ";;;WD)", ";;;AU)"} {
		if strings.Contains(sddl, other) {
			t.Errorf("DACL %s still lets ordinary users in (%s)", sddl, other)
		}
	}
}
