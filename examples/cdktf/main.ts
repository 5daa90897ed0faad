// A CDKTF app consuming the notifier module through TerraformHclModule, with a raw `aws` provider block
// (no @cdktf/provider-aws bindings needed: the module owns every resource).
//
//   node_modules/.bin/tsx examples/cdktf/main.ts            # synthesizes into examples/cdktf/cdktf.out
//   CDKTF_OUTDIR=/tmp/out node_modules/.bin/tsx examples/cdktf/main.ts
//   terraform -chdir=<outdir>/stacks/notifier init && terraform -chdir=<outdir>/stacks/notifier plan
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, LocalBackend, TerraformHclModule, TerraformOutput, TerraformProvider, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

const here = dirname(fileURLToPath(import.meta.url));
const moduleRoot = resolve(here, '..', '..');
const outdir = resolve(process.env.CDKTF_OUTDIR ?? join(here, 'cdktf.out'));
const stackName = 'notifier';

interface AwsProviderConfig {
  readonly region: string;
}

/** The `provider "aws"` block, written by hand: the provider's schema is not needed to configure it. */
class AwsProvider extends TerraformProvider {
  readonly #config: AwsProviderConfig;

  constructor(scope: Construct, id: string, config: AwsProviderConfig) {
    super(scope, id, {
      terraformResourceType: 'aws',
      terraformProviderSource: 'hashicorp/aws',
      terraformGeneratorMetadata: { providerName: 'aws', providerVersionConstraint: '>= 5.70, < 7.0' },
    });
    this.#config = config;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { region: this.#config.region };
  }
}

/** Terraform wants a local module source to start with ./ or ../, relative to the synthesized stack. */
function localSource(fromDir: string, toDir: string): string {
  const path = relative(fromDir, toDir).split(sep).join('/');
  return path.startsWith('..') ? path : `./${path}`;
}

class NotifierStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    // State next to the synthesized stack, not in the directory the app happened to run from.
    new LocalBackend(this, { path: 'terraform.tfstate' });
    const region = process.env.AWS_REGION ?? 'eu-west-1';
    // The account that holds the parameters; given, not looked up, so synthesis and planning need no AWS call.
    const account = process.env.NOTIFIER_ACCOUNT_ID ?? '123456789012';
    new AwsProvider(this, 'aws', { region });

    const notifier = new TerraformHclModule(this, 'notifier', {
      source: localSource(join(outdir, 'stacks', id), moduleRoot),
      // Reference the module in place instead of copying the repository into the output as an asset.
      skipAssetCreationFromLocalModules: true,
      variables: {
        name: 'notifier-cdktf',
        jobs: {
          'daily-digest': { schedule_expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Berlin' },
          'weekly-recap': { schedule_expression: 'cron(0 18 ? * FRI *)', timezone: 'America/New_York' },
        },
        sender: { maximum_concurrency: 20 },
        // Each function reads only its own secrets: the planner the database password, the sender the channel token.
        planner_secret_arns: [`arn:aws:ssm:${region}:${account}:parameter/notifier-cdktf/db-password`],
        sender_secret_arns: [`arn:aws:ssm:${region}:${account}:parameter/notifier-cdktf/page-token`],
        tags: { Project: 'notifier-cdktf' },
      },
    });

    new TerraformOutput(this, 'queue_url', { value: notifier.get('queue_url') });
    new TerraformOutput(this, 'config_table_name', { value: notifier.get('config_table_name') });
    new TerraformOutput(this, 'schedule_arns', { value: notifier.get('schedule_arns') });
    new TerraformOutput(this, 'operator_policy_json', { value: notifier.get('operator_policy_json') });
  }
}

const app = new App({ outdir });
new NotifierStack(app, stackName);
app.synth();
console.log(`synthesized ${join(outdir, 'stacks', stackName, 'cdk.tf.json')}`);
