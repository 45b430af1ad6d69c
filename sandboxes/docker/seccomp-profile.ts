// The seccomp profile of sandbox containers: an allowlist, stricter than the engine's default.
// Beyond what Docker's default denies it also denies ptrace (tracing PID 1 or the driver can
// hang a hardened runc container), io_uring (allowed by this engine's default profile),
// process_vm_*, pidfd_getfd, kcmp, userfaultfd, vmsplice, memfd_secret and the other
// kernel-facing calls a Python session never needs, and it allows clone only without
// namespace flags. Only the x86-64 ABI is allowed: 32-bit and x32 system calls fail.

/** System calls a sandbox may make (x86-64 names). Everything else fails with EPERM. */
export const ALLOWED_SYSCALLS: readonly string[] = `
  accept accept4 access alarm arch_prctl bind brk capget capset chdir chmod chown clock_getres
  clock_gettime clock_nanosleep close close_range connect copy_file_range creat dup dup2 dup3
  epoll_create epoll_create1 epoll_ctl epoll_pwait epoll_pwait2 epoll_wait eventfd eventfd2
  execve execveat exit exit_group faccessat faccessat2 fadvise64 fallocate fchdir fchmod
  fchmodat fchown fchownat fcntl fdatasync fgetxattr flistxattr flock fork fremovexattr
  fsetxattr fstat fstatfs fsync ftruncate futex futex_waitv futimesat get_robust_list
  get_thread_area getcpu getcwd getdents getdents64 getegid geteuid getgid getgroups getitimer
  getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresuid getrlimit
  getrusage getsid getsockname getsockopt gettid gettimeofday getuid getxattr inotify_add_watch
  inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_pgetevents
  io_setup io_submit ioctl ioprio_get ioprio_set kill landlock_add_rule landlock_create_ruleset
  landlock_restrict_self lchown lgetxattr link linkat listen listxattr llistxattr lremovexattr
  lseek lsetxattr lstat madvise membarrier memfd_create mincore mkdir mkdirat mknod mknodat
  mlock mlock2 mlockall mmap mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
  mq_timedsend mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap
  nanosleep newfstatat open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2
  pkey_alloc pkey_free pkey_mprotect poll ppoll prctl pread64 preadv preadv2 prlimit64 pselect6
  pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recvfrom recvmmsg recvmsg
  remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction
  rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
  rt_tgsigqueueinfo sched_get_priority_max sched_get_priority_min sched_getaffinity
  sched_getattr sched_getparam sched_getscheduler sched_rr_get_interval sched_setaffinity
  sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop
  semtimedop sendfile sendmmsg sendmsg sendto set_robust_list set_thread_area set_tid_address
  setfsgid setfsuid setgid setgroups setitimer setpgid setpriority setregid setresgid setresuid
  setreuid setrlimit setsid setsockopt setuid setxattr shmat shmctl shmdt shmget shutdown
  sigaltstack signalfd signalfd4 socket socketpair splice stat statfs statx symlink symlinkat
  sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete timer_getoverrun
  timer_gettime timer_settime timerfd_create timerfd_gettime timerfd_settime times tkill
  truncate umask uname unlink unlinkat utime utimensat utimes vfork wait4 waitid write writev
`
  .trim()
  .split(/\s+/);

/**
 * gVisor (runsc 2022) reads an OCI profile's names through its own syscall table, where a few
 * calls have other names; a name it does not know is dropped, so the call fails with EPERM.
 * Each of its names here, with the Linux name it stands for.
 */
export const RUNSC_SYSCALL_NAMES: Readonly<Record<string, string>> = Object.freeze({
  pselect: 'pselect6',
});

// clone() namespace flags (CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET).
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const ENOSYS = 38;

interface SyscallRule {
  names: string[];
  action: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

/** An OCI seccomp profile, as Docker's `--security-opt seccomp=<json>` takes it. */
export interface SeccompProfile {
  defaultAction: 'SCMP_ACT_ERRNO';
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: SyscallRule[];
}

/**
 * The profile, built fresh each time so callers may change their copy. Under gVisor clone3
 * is allowed: its OCI seccomp support ignores `errnoRet`, so the ENOSYS that makes glibc fall
 * back to clone would arrive as EPERM and no thread could start; and there the Sentry, not
 * the host kernel, implements clone3 and namespaces.
 */
export function sandboxSeccompProfile({
  runtime = 'runc',
}: { runtime?: 'runc' | 'runsc' } = {}): SeccompProfile {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      {
        names: [
          ...ALLOWED_SYSCALLS,
          ...(runtime === 'runsc' ? Object.keys(RUNSC_SYSCALL_NAMES) : []),
        ],
        action: 'SCMP_ACT_ALLOW',
      },
      {
        names: ['clone'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      // glibc tries clone3 first and falls back to clone on ENOSYS; clone3's flags live in
      // memory a filter cannot read, so it cannot be allowed safely.
      runtime === 'runsc'
        ? { names: ['clone3'], action: 'SCMP_ACT_ALLOW' }
        : { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      // personality() only to query or to select the plain Linux personalities, as Docker allows.
      ...[0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map((value): SyscallRule => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value, op: 'SCMP_CMP_EQ' }],
      })),
    ],
  };
}
