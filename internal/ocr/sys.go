package ocr

/*
#cgo LDFLAGS: -lgomp -llept
#include <malloc.h>
extern int setMsgSeverity(int);
extern void omp_set_num_threads(int);
extern void omp_set_max_active_levels(int);
static void eingang_omp_single(void) {
	omp_set_num_threads(1);
	omp_set_max_active_levels(0);
}
static void eingang_malloc_trim(void) { malloc_trim(0); }
// L_SEVERITY_NONE in leptonica's environ.h.
static void eingang_quiet_leptonica(void) { setMsgSeverity(7); }
*/
import "C"

import (
	"bytes"
	"os"
	"strconv"
)

// singleThreadOpenMP makes OpenMP parallel regions started from the
// calling OS thread run on that thread alone. libgomp reads
// OMP_THREAD_LIMIT once when it is loaded, before any Go code runs, so
// setting the variable from Go is too late for this process, and
// omp_set_num_threads does not bind Tesseract's explicit num_threads
// clauses. A maximum of zero active levels serialises every region.
func singleThreadOpenMP() { C.eingang_omp_single() }

// quietLeptonica stops leptonica from printing its messages ("Error in
// boxClipToRectangle: box outside rectangle" on ordinary pages, from
// Tesseract's layout analysis) straight to file descriptor 2, where they
// would land between eingang's structured log lines without level, time
// or document. Failures that matter reach eingang as return values.
func quietLeptonica() { C.eingang_quiet_leptonica() }

// trimHeap returns freed C heap to the OS after a client was closed, so
// that RSS reflects what is in use.
func trimHeap() { C.eingang_malloc_trim() }

// rssMB returns the resident set size of this process in MiB, 0 if unknown.
func rssMB() int {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.Atoi(string(f[1]))
	return pages * os.Getpagesize() >> 20
}
