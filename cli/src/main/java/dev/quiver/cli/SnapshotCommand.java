package dev.quiver.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code quiver snapshot}: what an operator does to a snapshot root; see the subcommands. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = "Operate a snapshot root: list its versions, verify one, roll back, collect garbage.",
    subcommands = {SnapshotListCommand.class, SnapshotVerifyCommand.class, SnapshotRollbackCommand.class,
        SnapshotGcCommand.class, CommandLine.HelpCommand.class})
final class SnapshotCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: list, verify, rollback or gc");
  }
}
