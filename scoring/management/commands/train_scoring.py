"""`manage.py train_scoring [--dry-run]`: learn a scoring version from the recorded outcomes."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.learning.training import TrainingError, train


class Command(BaseCommand):
    help = ("Fit a learned scoring model on leads with outcomes, cross-validate it, store it as a new "
            "version and activate it only if it beats the active version on the same folds.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="evaluate and print, store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = train(dry_run=options["dry_run"])
        except TrainingError as error:
            raise CommandError(str(error)) from None
        metrics = result.metrics
        write = self.stdout.write
        write(f"Outcomes: {metrics['outcomes']} ({metrics['conversions']} conversions, base rate "
              f"{metrics['base_rate']:.1%}); {metrics['folds']}-fold cross-validation")
        write(f"ROC AUC {metrics['auc']:.3f}   Brier {metrics['brier']:.4f} (base rate alone "
              f"{metrics['base_rate_brier']:.4f})   precision of the top 20% {metrics['top20_precision']:.1%}")
        for label, rate in metrics["label_rates"].items():
            converted = "-" if rate["rate"] is None else f"{rate['rate']:.1%} (x{rate['lift']})"
            write(f"  {label:<5} {rate['count']:>7} leads, converted {converted}")
        write("Calibration (decile: predicted / observed): " + "  ".join(
            f"{row['decile']}: {row['predicted']:.2f}/{row['observed']:.2f}" for row in metrics["calibration"]))
        compared = metrics.get("compared_with")
        if compared and compared["auc"] is not None:
            write(f"Active v{compared['version']} on the same folds ({compared['leads']} leads it had not seen): "
                  f"ROC AUC {compared['auc']:.3f} against the candidate's {compared['candidate_auc']:.3f}")
        if result.config is None:
            write(self.style.WARNING(f"Dry run: nothing stored. Decision would be: {result.reason}."))
        elif result.activated:
            write(self.style.SUCCESS(f"Stored v{result.config.version} and activated it: {result.reason}."))
        else:
            write(self.style.WARNING(f"Stored v{result.config.version}, not activated: {result.reason}."))
