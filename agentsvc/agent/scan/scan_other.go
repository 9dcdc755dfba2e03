//go:build !linux && !windows && !darwin

package scan

import (
	"context"

	"patchdesk/model/inventory"
)

// scanOS on other systems reports what the shared code found.
func scanOS(ctx context.Context, inv *inventory.Inventory) error {
	inv.OS.Family = "linux"
	inv.OS.Name = "unknown"
	return nil
}
