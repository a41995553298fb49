/* Shared by the fuzz targets that read files: the fuzz input as a file the
 * archive modules can open by path, as wm_stream_open() needs. */
#ifndef WM_FUZZ_INPUT_H
#define WM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Write data[0..size) to this process's scratch file and return a path that
 * opens it ("/proc/self/fd/N": the file itself is already unlinked, so a
 * crashing run leaves nothing behind).  Aborts when the file cannot be
 * written: a fuzz run without its input is meaningless. */
const char *fuzz_input_file(const uint8_t *data, size_t size);

#endif
