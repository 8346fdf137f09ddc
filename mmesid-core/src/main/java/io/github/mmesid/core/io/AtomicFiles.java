package io.github.mmesid.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable, atomic file writes: the one way the SDK writes files.
 *
 * <p>The content goes to a hidden temporary file in the target's directory, which is synced to
 * the device ({@code fsync}), renamed over the target in one atomic step, and then the directory
 * itself is synced so that the rename survives a power loss. Readers see either the old content
 * or the new one, never a half-written file; a failed write removes the temporary file and leaves
 * the previous content in place. Missing parent directories are created.
 *
 * <p>If the file system cannot rename atomically (some network or FUSE file systems), the move
 * falls back to a plain replacing move and logs a warning with the reason. Directories cannot be
 * synced on some platforms (Windows); that step is then skipped.
 *
 * <p>Errors are {@link UncheckedIOException}s whose message names the file and the operating
 * system's reason (for example {@code Not a directory}).
 */
public final class AtomicFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
  private static final int BUFFER_BYTES = 1 << 16;
  private static final Set<PosixFilePermission> RW_R_R =
      Set.copyOf(PosixFilePermissions.fromString("rw-r--r--"));

  private AtomicFiles() {}

  /** Produces a file's content on a stream. */
  @FunctionalInterface
  public interface StreamWriter {
    /**
     * Writes the content.
     *
     * @param out the stream to write to (buffered; flushed and closed by {@link AtomicFiles})
     * @throws IOException if writing fails
     */
    void write(OutputStream out) throws IOException;
  }

  /** Produces a file's content on a channel (for large binary files). */
  @FunctionalInterface
  public interface ChannelWriter {
    /**
     * Writes the content from position 0.
     *
     * @param channel the open channel of the temporary file (closed by {@link AtomicFiles})
     * @throws IOException if writing fails
     */
    void write(FileChannel channel) throws IOException;
  }

  /**
   * Writes {@code target} atomically and durably from a stream.
   *
   * @param target the file to create or replace
   * @param writer produces the content
   * @throws UncheckedIOException if writing, syncing or moving fails (the message names the file
   *     and the reason; the target is unchanged)
   */
  public static void write(Path target, StreamWriter writer) {
    writeChannel(target, ch -> {
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER_BYTES);
      writer.write(out);
      out.flush(); // not closed here: closing would close the channel before it is synced
    });
  }

  /**
   * Writes {@code target} atomically and durably from a channel.
   *
   * @param target the file to create or replace
   * @param writer produces the content
   * @throws UncheckedIOException if writing, syncing or moving fails (the message names the file
   *     and the reason; the target is unchanged)
   */
  public static void writeChannel(Path target, ChannelWriter writer) {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir == null || abs.getFileName() == null) {
      throw new IllegalArgumentException(
          "Cannot write '" + target + "': it must name a file inside a directory");
    }
    createDirectories(dir, abs);
    Path tmp = null;
    try {
      tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
      readableByAll(tmp);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.write(ch);
        ch.force(true);
      }
      moveInto(tmp, abs);
      tmp = null;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + abs + ": " + reason(e), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: the original failure is what matters; the name is hidden
        }
      }
    }
  }

  /**
   * Temporary files are created owner-only (0600); the file it becomes gets the usual rw-r--r--
   * (as a plain write would under the common umask 022) where the file system has POSIX modes.
   */
  private static void readableByAll(Path tmp) throws IOException {
    if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
      Files.setPosixFilePermissions(tmp, RW_R_R);
    }
  }

  /**
   * Writes bytes to {@code target} atomically and durably.
   *
   * @param target the file to create or replace
   * @param bytes the content
   * @throws UncheckedIOException if writing fails
   */
  public static void writeBytes(Path target, byte[] bytes) {
    writeChannel(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
  }

  /**
   * Writes UTF-8 text to {@code target} atomically and durably.
   *
   * @param target the file to create or replace
   * @param text the content
   * @throws UncheckedIOException if writing fails
   */
  public static void writeString(Path target, String text) {
    writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Renames a file or directory atomically to {@code target} (which must be on the same file
   * system and, for a directory, must not exist) and syncs the target's directory.
   *
   * @param source the existing file or directory
   * @param target its new name (a file is replaced)
   * @throws UncheckedIOException if the move fails
   */
  public static void move(Path source, Path target) {
    Path abs = target.toAbsolutePath();
    try {
      moveInto(source, abs);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot move " + source + " to " + abs + ": " + reason(e), e);
    }
  }

  /**
   * Syncs a directory's entries to the device, so that files created, renamed or deleted in it
   * survive a power loss. Skipped where the platform cannot open a directory (Windows).
   *
   * @param dir the directory
   */
  public static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      LOG.debug("Cannot sync directory {} ({}); continuing without it", dir, reason(e));
    }
  }

  /**
   * Writes a buffer's remaining bytes to a channel completely.
   *
   * @param channel the channel
   * @param buffer the bytes, from position to limit (consumed)
   * @throws IOException if writing fails
   */
  public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /**
   * The operating system's reason for a failed file operation, for one-line error messages: the
   * file and reason of a {@link FileSystemException} (for example {@code /data/out: Not a
   * directory}), else the exception's message.
   *
   * @param e the failure
   * @return a short description, never null
   */
  public static String reason(IOException e) {
    if (e instanceof FileSystemException f) {
      String why = f.getReason();
      if (why == null) {
        why = defaultReason(f);
      }
      String file = f.getFile();
      String other = f.getOtherFile();
      return (file == null ? "" : file + (other == null ? "" : " -> " + other) + ": ") + why;
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static String defaultReason(FileSystemException f) {
    if (f instanceof NoSuchFileException) {
      return "No such file or directory";
    }
    if (f instanceof AccessDeniedException) {
      return "Permission denied";
    }
    if (f instanceof NotDirectoryException) {
      return "Not a directory";
    }
    if (f instanceof FileAlreadyExistsException) {
      return "File exists";
    }
    if (f instanceof DirectoryNotEmptyException) {
      return "Directory not empty";
    }
    if (f instanceof AtomicMoveNotSupportedException) {
      return "Atomic move not supported";
    }
    return f.getClass().getSimpleName();
  }

  private static void createDirectories(Path dir, Path target) {
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      // createDirectories reports a path component that is a file this way
      throw new UncheckedIOException("Cannot write " + target + ": " + e.getFile()
          + " exists and is not a directory (Not a directory)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target + ": cannot create directory "
          + dir + ": " + reason(e), e);
    }
  }

  private static void moveInto(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      LOG.warn("The file system of {} cannot rename atomically ({}); replacing it with a plain "
          + "move, which a crash could leave half done", target, reason(e));
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
    Path dir = target.getParent();
    if (dir != null) {
      syncDirectory(dir);
    }
  }
}
