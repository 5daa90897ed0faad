// The naive way to write both Lambdas in one package: every client imported eagerly at module load.
// Only the benchmark builds this; it is the baseline the shipped bundles are measured against.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pg from 'pg';
import * as z from 'zod';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const clients = [
  dynamo,
  new SQSClient({}),
  new SSMClient({}),
  new SecretsManagerClient({}),
  new LambdaClient({}),
  pg.Client,
  z.object({}),
];

export const handler = async () => clients.length;
