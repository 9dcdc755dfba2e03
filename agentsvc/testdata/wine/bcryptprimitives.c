/*
 * ProcessPrng for Wine 8 (Debian 12), which lacks bcryptprimitives.dll. The Go runtime (1.22 and
 * later) loads it from system32 at start and stops without it. `make wine-test` builds this with
 * mingw-w64 and the Wine test copies it into its prefix; nothing PatchDesk ships uses it.
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
