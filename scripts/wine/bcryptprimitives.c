// A stand-in for Windows' bcryptprimitives.dll, for tests under wine only:
// Go (1.24 on) takes its random numbers from ProcessPrng, which Debian 12's
// wine 8 lacks. RtlGenRandom (advapi32's SystemFunction036) does the same.
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
	while (size > 0) {
		ULONG n = size > 0x40000000 ? 0x40000000 : (ULONG)size;
		if (!SystemFunction036(data, n)) {
			return FALSE;
		}
		data += n;
		size -= n;
	}
	return TRUE;
}
