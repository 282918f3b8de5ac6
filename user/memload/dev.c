// SPDX-License-Identifier: GPL-2.0
/*
 * memload's connection to /dev/memarena: the same struct memarena_dev_cmd
 * goes either in an ioctl() or in the cmd area of a 128-byte
 * IORING_OP_URING_CMD SQE.  One command at a time, waited for: both
 * engines are synchronous, so their latencies compare.
 */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "memload.h"

/**
 * ml_dev_open() - open the device, and a ring for the io_uring engine
 * @d: filled in
 * @uring: use io_uring (IORING_SETUP_SQE128) rather than ioctl()
 *
 * Return: 0 or a negative errno.
 */
int ml_dev_open(struct ml_dev *d, bool uring)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->fd = open(MEMARENA_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	d->uring = uring;
	if (!uring)
		return 0;
	err = io_uring_queue_init(8, &d->ring, IORING_SETUP_SQE128);
	if (err) {
		close(d->fd);
		d->fd = -1;
		return err;
	}
	return 0;
}

void ml_dev_close(struct ml_dev *d)
{
	if (d->fd < 0)
		return;
	if (d->uring)
		io_uring_queue_exit(&d->ring);
	close(d->fd);
	d->fd = -1;
}

static long ml_uring_cmd(struct ml_dev *d, int fd, unsigned int op,
			 const struct memarena_dev_cmd *c)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	long ret;
	int err;

	sqe = io_uring_get_sqe(&d->ring);
	if (!sqe)
		return -EBUSY;
	/* An SQE128 slot: 64 bytes of SQE, then 64 more of cmd area. */
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	memcpy((char *)sqe + offsetof(struct io_uring_sqe, cmd), c, sizeof(*c));

	err = io_uring_submit_and_wait(&d->ring, 1);
	if (err < 0)
		return err;
	err = io_uring_wait_cqe(&d->ring, &cqe);
	if (err < 0)
		return err;
	ret = cqe->res;
	io_uring_cqe_seen(&d->ring, cqe);
	return ret;
}

/**
 * ml_dev_cmd() - run one command on a file of the device
 * @d: the connection (its engine)
 * @fd: the file the command is for: d->fd or another connection's
 * @op: MEMARENA_IOC_*
 * @c: the command
 *
 * Return: what the device returned (a count), or a negative errno.
 */
long ml_dev_cmd(struct ml_dev *d, int fd, unsigned int op,
		const struct memarena_dev_cmd *c)
{
	long ret;

	if (d->uring)
		return ml_uring_cmd(d, fd, op, c);
	ret = ioctl(fd, op, c);
	return ret < 0 ? -errno : ret;
}

const char *ml_dev_cmd_name(unsigned int op)
{
	switch (op) {
	case MEMARENA_IOC_ALLOC:
		return "ALLOC";
	case MEMARENA_IOC_FREE:
		return "FREE";
	case MEMARENA_IOC_FREE_ALL:
		return "FREE_ALL";
	case MEMARENA_IOC_PATTERN:
		return "PATTERN";
	case MEMARENA_IOC_STATS:
		return "STATS";
	}
	return "?";
}
