// A CDKTF app deploying the notifier module from the registry through its typed binding (.gen/modules/notifier.ts,
// what `cdktf get` writes for a registry module), with a plain `aws` provider block: the module owns every resource,
// so the app needs no provider bindings.
//
//   npx cdktf synth            # or, without the CLI: CDKTF_OUTDIR=cdktf.out node --import tsx main.ts
//   npx cdktf deploy           # or terraform -chdir=cdktf.out/stacks/notifier init && ... apply
import { App, LocalBackend, TerraformOutput, TerraformProvider, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { Notifier } from './.gen/modules/notifier.js';

interface AwsProviderConfig {
  readonly region: string;
}

/** The `provider "aws"` block, written by hand: configuring a provider does not need its schema. */
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

class NotifierStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    // The Terraform version the module needs; CDKTF has no setting of its own for it.
    this.addOverride('terraform.required_version', '>= 1.5');
    new LocalBackend(this, { path: 'terraform.tfstate' });
    const region = process.env.AWS_REGION ?? 'eu-west-1';
    // The account that holds the parameters; given, not looked up, so synthesis and planning need no AWS call.
    const account = process.env.NOTIFIER_ACCOUNT_ID ?? '123456789012';
    new AwsProvider(this, 'aws', { region });

    const notifier = new Notifier(this, 'notifier', {
      name: 'notifier-cdktf',
      jobs: {
        'daily-digest': { schedule_expression: 'cron(0 9 * * ? *)', timezone: 'Europe/Berlin' },
        'weekly-recap': { schedule_expression: 'cron(0 18 ? * FRI *)', timezone: 'America/New_York' },
      },
      // Where each kind of channel may send its secret: the Page token to the Graph API only, no webhook receiver.
      channelHosts: { messenger: ['graph.facebook.com'], webhook: [] },
      // Each function reads only its own secrets: the planner the database password, the sender the channel token.
      plannerSecretArns: [`arn:aws:ssm:${region}:${account}:parameter/notifier-cdktf/db-password`],
      senderSecretArns: [`arn:aws:ssm:${region}:${account}:parameter/notifier-cdktf/page-token`],
      tags: { Project: 'notifier-cdktf' },
    });

    new TerraformOutput(this, 'queue_url', {
      value: notifier.queueUrlOutput,
      description: 'URL of the delivery queue.',
    });
    new TerraformOutput(this, 'config_table_name', {
      value: notifier.configTableNameOutput,
      description: 'Write the job, database and channel items here after apply (`notifier config put`).',
    });
    new TerraformOutput(this, 'schedule_arns', {
      value: notifier.scheduleArnsOutput,
      description: 'Schedules keyed by job id.',
    });
    new TerraformOutput(this, 'operator_policy_json', {
      value: notifier.operatorPolicyJsonOutput,
      description: 'IAM policy for the operators who run the notifier CLI.',
    });
  }
}

const app = new App();
new NotifierStack(app, 'notifier');
app.synth();
