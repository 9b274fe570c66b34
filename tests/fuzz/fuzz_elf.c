// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness: any bytes as an executable through the ELF reading of
 * runtime recognition (agent/model/runtime.c): the agent reads the binaries of
 * every user's processes. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "model/runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-elf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size)
		(void)lw_rt_elf_fd(fd);
	close(fd);
	return 0;
}
