//go:build windows

package agent

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// privateDACL gives full control to SYSTEM, the Administrators group and the folder's owner (the
// account that runs the agent), and to no one else; P stops ProgramData's "Users may read" from
// being inherited, and OICI passes the entries on to the files inside.
const privateDACL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;OW)"

// privateDir creates dir readable by the agent's account and administrators only: it holds the
// credential, and with it anyone could fetch this computer's policies (the run-as password among
// them). Mode bits mean nothing on Windows, and ProgramData lets every user read by default.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString(privateDACL)
	if err != nil {
		return fmt.Errorf("state dir %s: %w", dir, err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("state dir %s: %w", dir, err)
	}
	// Set on every call, so a folder an older agent made readable to users is closed too; the
	// change propagates to the files already inside.
	if err := windows.SetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil); err != nil {
		return fmt.Errorf("restrict state dir %s to the agent and administrators: %w", dir, err)
	}
	return nil
}
