package agent

import "runtime"

// osFamily names this OS as the inventory does.
func osFamily() string {
	switch runtime.GOOS {
	case "windows":
		return "windows"
	case "darwin":
		return "macos"
	}
	return "linux"
}
